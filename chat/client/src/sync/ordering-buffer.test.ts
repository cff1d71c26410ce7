import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConversationId, WireMessage } from '@twin/chat-protocol';
import { OrderingBuffer } from './ordering-buffer.ts';

const A = '100' as ConversationId;
const B = '200' as ConversationId;
const msg = (conversationId: string, seq: number): WireMessage => ({
  id: String(1000 + seq),
  conversationId,
  seq,
  senderAccountId: '1',
  kind: 'message',
  body: '',
  sentAt: 0,
  storedAt: 0,
});
const seqs = (messages: WireMessage[]) => messages.map((m) => `${m.conversationId}:${m.seq}`);

test('releases contiguous messages in seq order per conversation', () => {
  const buffer = new OrderingBuffer();
  const { ready } = buffer.accept([msg(A, 1), msg(B, 1), msg(A, 2), msg(B, 2)]);
  assert.deepEqual(seqs(ready), ['100:1', '100:2', '200:1', '200:2']);
  assert.equal(buffer.released(A), 2);
  assert.deepEqual(buffer.gaps(), []);
});

test('holds messages behind a gap and releases them once it is filled', () => {
  const buffer = new OrderingBuffer([[A, 3]]);
  assert.deepEqual(seqs(buffer.accept([msg(A, 4), msg(A, 6), msg(A, 7)]).ready), ['100:4']);
  assert.deepEqual(buffer.gaps(), [{ conversationId: A, afterSeq: 4, nextHeldSeq: 6 }]);
  assert.deepEqual(seqs(buffer.accept([msg(A, 5)]).ready), ['100:5', '100:6', '100:7']);
  assert.deepEqual(buffer.gaps(), []);
});

test('drops redelivered and already-held messages as duplicates', () => {
  const buffer = new OrderingBuffer([[A, 2]]);
  const first = buffer.accept([msg(A, 1), msg(A, 2), msg(A, 3), msg(A, 5), msg(A, 5)]);
  assert.deepEqual(seqs(first.ready), ['100:3']);
  assert.equal(first.duplicates, 3);
  const again = buffer.accept([msg(A, 3), msg(A, 4), msg(A, 5)]);
  assert.deepEqual(seqs(again.ready), ['100:4', '100:5']);
  assert.equal(again.duplicates, 2);
});

test('treats an unknown conversation as starting at seq 1', () => {
  const buffer = new OrderingBuffer();
  assert.deepEqual(buffer.accept([msg(A, 3)]).ready, []);
  assert.deepEqual(buffer.gapOf(A), { conversationId: A, afterSeq: 0, nextHeldSeq: 3 });
});

test('skipping an unfillable gap releases from the lowest held seq', () => {
  const buffer = new OrderingBuffer();
  buffer.accept([msg(A, 9), msg(A, 10), msg(A, 12)]);
  assert.deepEqual(seqs(buffer.skipGap(A)), ['100:9', '100:10']);
  assert.deepEqual(buffer.gapOf(A), { conversationId: A, afterSeq: 10, nextHeldSeq: 12 });
});

test('rewinding lets a batch the app failed to store be accepted again', () => {
  const buffer = new OrderingBuffer();
  buffer.accept([msg(A, 1), msg(A, 2)]);
  buffer.rewind(A, 0);
  assert.deepEqual(seqs(buffer.accept([msg(A, 1), msg(A, 2)]).ready), ['100:1', '100:2']);
});

test('any arrival order of a shuffled log releases it exactly once in order', () => {
  for (let round = 0; round < 50; round++) {
    const buffer = new OrderingBuffer();
    const log = Array.from({ length: 40 }, (_, i) => msg(A, i + 1));
    const arrivals = [...log, ...log.slice(0, 20)].sort(() => Math.random() - 0.5);
    const released: WireMessage[] = [];
    for (const m of arrivals) released.push(...buffer.accept([m]).ready);
    assert.deepEqual(released.map((m) => m.seq), log.map((m) => m.seq));
  }
});
