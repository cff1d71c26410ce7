import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireMessage } from '@twin/chat-protocol';
import { MAX_EVENT_BYTES, messagesEvents } from './events.ts';

const message = (seq: number, bodyLength: number): WireMessage => ({
  id: String(seq),
  conversationId: '1',
  seq,
  senderAccountId: '2',
  kind: 'message',
  body: 'A'.repeat(bodyLength),
  sentAt: 0,
  storedAt: 0,
});

test('a batch of small messages is one chat.messages event', () => {
  const events = messagesEvents([1, 2, 3].map((s) => message(s, 10)));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'chat.messages');
  assert.deepEqual((events[0]!.payload as { messages: WireMessage[] }).messages.map((m) => m.seq), [1, 2, 3]);
});

test('large bodies are split over several events in order, none above the size cap', () => {
  const batch = Array.from({ length: 20 }, (_, i) => message(i + 1, 87_000));
  const events = messagesEvents(batch);
  assert.ok(events.length > 1);
  const seqs = events.flatMap((e) => (e.payload as { messages: WireMessage[] }).messages.map((m) => m.seq));
  assert.deepEqual(seqs, batch.map((m) => m.seq));
  for (const e of events) assert.ok(JSON.stringify(e.payload).length <= MAX_EVENT_BYTES);
});

test('no messages, no event', () => {
  assert.deepEqual(messagesEvents([]), []);
});
