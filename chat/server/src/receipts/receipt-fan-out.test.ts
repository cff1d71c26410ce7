import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, ConversationId, DeviceId, WireMessage } from '@twin/chat-protocol';
import type { DeliveryHub } from '../delivery/delivery-hub.ts';
import { ReceiptFanOut, type CursorMove } from './receipt-fan-out.ts';

const conversationId = '10' as ConversationId;
const alice = '1' as AccountId;
const bob = '2' as AccountId;

/** A receipt fan-out whose hub has one listening socket; returns the seqs of the receipts it is sent. */
function fanOut(): { receipts: ReceiptFanOut; sent: number[] } {
  const sent: number[] = [];
  const socket = { send: (frame: string) => sent.push((JSON.parse(frame) as { seq: number }).seq) };
  const hub = { memberStreams: async () => [{ socket }] } as unknown as DeliveryHub;
  return { receipts: new ReceiptFanOut(hub), sent };
}

const message = (seq: number, senderAccountId: AccountId): WireMessage => ({ id: String(100 + seq), conversationId, seq, senderAccountId, kind: 'message', body: '', sentAt: 0, storedAt: 0 });
const ack = (accountId: AccountId, seq: number): CursorMove => ({ accountId, deviceId: '5' as DeviceId, conversationId, seq, at: 0 });

test('an ack whose new range holds only the account’s own messages sends nothing; others’ messages in it send', async () => {
  const { receipts, sent } = fanOut();
  // Out of order and repeated, as the local fan-out and the bus deliver them.
  receipts.noteMessages([message(2, alice), message(1, alice), message(4, bob)]);
  receipts.noteMessages([message(3, alice), message(2, alice)]);
  await receipts.handle('delivered', [ack(alice, 3)]);
  assert.deepEqual(sent, [], 'seq 1–3 are all hers');
  await receipts.handle('delivered', [ack(alice, 4)]);
  assert.deepEqual(sent, [4], 'seq 4 is bob’s');
  await receipts.handle('delivered', [ack(bob, 4)]);
  assert.deepEqual(sent, [4, 4], 'bob’s ack covers her messages');
});

test('where it has not seen every message of the range, it sends', async () => {
  const { receipts, sent } = fanOut();
  receipts.noteMessages([message(5, alice), message(7, alice)]);
  await receipts.handle('delivered', [ack(alice, 3)]);
  assert.deepEqual(sent, [3], 'seq 1–4 were never seen here');
  await receipts.handle('delivered', [ack(alice, 7)]);
  assert.deepEqual(sent, [3, 7], 'seq 6 was not seen');
  const fresh = fanOut();
  await fresh.receipts.handle('read', [ack(alice, 1)]);
  assert.deepEqual(fresh.sent, [1], 'nothing seen in the conversation');
});

test('it remembers a bounded number of runs, and sends for ranges older than them', async () => {
  const { receipts, sent } = fanOut();
  // 40 alternating turns: only the last 16 runs are kept.
  receipts.noteMessages(Array.from({ length: 40 }, (_, i) => message(i + 1, i % 2 === 0 ? alice : bob)));
  await receipts.handle('delivered', [ack(alice, 1)]);
  assert.deepEqual(sent, [1]);
  receipts.noteMessages([message(41, alice), message(42, alice)]);
  await receipts.handle('delivered', [ack(alice, 40)]);
  await receipts.handle('delivered', [ack(alice, 42)]);
  assert.deepEqual(sent, [1, 40], 'seq 41–42 are hers');
});
