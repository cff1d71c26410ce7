import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { ConversationId } from '@twin/chat-protocol';
import { AckCoalescer } from './ack-coalescer.ts';

const A = '1' as ConversationId;
const B = '2' as ConversationId;

test('sends one cumulative ack per conversation for many marks in a window', async () => {
  const sent: string[] = [];
  const acks = new AckCoalescer({ windowMs: 5, send: (c, s) => (sent.push(`${c}:${s}`), true) });
  for (let seq = 1; seq <= 100; seq++) acks.mark(A, seq);
  acks.mark(B, 7);
  assert.deepEqual(sent, []);
  await sleep(20);
  assert.deepEqual(sent, ['1:100', '2:7']);
});

test('never sends an ack at or below one already sent', () => {
  const sent: string[] = [];
  const acks = new AckCoalescer({ send: (c, s) => (sent.push(`${c}:${s}`), true) });
  acks.mark(A, 5);
  acks.flush();
  acks.mark(A, 3);
  acks.mark(A, 5);
  acks.flush();
  acks.mark(A, 6);
  acks.flush();
  assert.deepEqual(sent, ['1:5', '1:6']);
  acks.dispose();
});

test('keeps an ack that could not be sent until a later flush succeeds', () => {
  let online = false;
  const sent: string[] = [];
  const acks = new AckCoalescer({ send: (c, s) => online && (sent.push(`${c}:${s}`), true) });
  acks.mark(A, 4);
  acks.flush();
  assert.equal(acks.pendingCount, 1);
  online = true;
  acks.flush();
  assert.deepEqual(sent, ['1:4']);
  acks.mark(A, 4);
  acks.flush();
  assert.deepEqual(sent, ['1:4'], 'already sent on this connection');
  acks.forgetSent();
  acks.mark(A, 4);
  acks.flush();
  assert.deepEqual(sent, ['1:4', '1:4'], 'sent again on a new connection');
  acks.dispose();
});
