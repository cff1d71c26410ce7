import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { ClientMessageId, ConversationId } from '@twin/chat-protocol';
import { Outbox, SendError } from './outbox.ts';
import type { PendingSend } from './store/interface.ts';
import { MemoryChatStore } from './store/memory.ts';

const send = (id: string): PendingSend => ({ clientMessageId: id as ClientMessageId, conversationId: '5' as ConversationId, kind: 'message', body: '', sentAt: 1 });
const result = (id: string, seq: number, duplicate = false) => ({ type: 'send-result' as const, clientMessageId: id, conversationId: '5', messageId: String(100 + seq), seq, storedAt: 2, duplicate });

async function outbox(options: { online?: () => boolean; maxInFlight?: number; resendAfterMs?: number } = {}) {
  const wire: string[] = [];
  const store = new MemoryChatStore();
  const box = await Outbox.create({
    store,
    transmit: (s) => (options.online?.() ?? true) && (wire.push(s.clientMessageId), true),
    onConfirmed: () => {},
    onFailed: () => {},
    ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    ...(options.resendAfterMs ? { resendAfterMs: options.resendAfterMs } : {}),
  });
  return { box, wire, store };
}

test('keeps at most maxInFlight sends unanswered and sends the next on each result', async () => {
  const { box, wire } = await outbox({ maxInFlight: 2 });
  const outcomes = ['a', 'b', 'c'].map((id) => box.submit(send(id)));
  await sleep(0);
  assert.deepEqual(wire, ['a', 'b']);
  box.confirmed(result('a', 1));
  assert.deepEqual(wire, ['a', 'b', 'c']);
  box.confirmed(result('b', 2));
  box.confirmed(result('c', 3));
  assert.deepEqual((await Promise.all(outcomes)).map((o) => o.seq), [1, 2, 3]);
  box.dispose();
});

test('holds sends while offline and transmits them in order after a reconnect; leaves the store only on a result', async () => {
  let online = false;
  const { box, wire, store } = await outbox({ online: () => online });
  const first = box.submit(send('a'));
  void box.submit(send('b'));
  await sleep(0);
  assert.deepEqual(wire, []);
  assert.equal((await store.getOutbox()).length, 2);
  online = true;
  box.transmitAll();
  assert.deepEqual(wire, ['a', 'b']);
  box.confirmed(result('a', 7, true));
  assert.deepEqual(await first, { clientMessageId: 'a', conversationId: '5', messageId: '107', seq: 7, storedAt: 2, duplicate: true });
  await sleep(0);
  assert.deepEqual((await store.getOutbox()).map((s) => s.clientMessageId), ['b']);
  box.dispose();
});

test('resends a send whose result is overdue with the same client message id', async () => {
  const { box, wire } = await outbox({ resendAfterMs: 100 });
  void box.submit(send('a'));
  await sleep(350);
  assert.ok(wire.length >= 2 && wire.every((id) => id === 'a'), wire.join());
  box.dispose();
});

test('rejects on a final error frame and retries after a retryable one', async () => {
  const { box, wire } = await outbox();
  const refused = box.submit(send('a'));
  const retried = box.submit(send('b'));
  await sleep(0);
  assert.equal(box.failed({ type: 'error', code: 'not_a_member', message: 'no', retryable: false, ref: 'a' }), true);
  await assert.rejects(refused, (e: unknown) => e instanceof SendError && e.code === 'not_a_member');
  assert.equal(box.failed({ type: 'error', code: 'too_many_pending_sends', message: 'later', retryable: true, ref: 'b' }), true);
  assert.equal(box.failed({ type: 'error', code: 'x', message: 'not ours', retryable: false, ref: 'zzz' }), false);
  for (let i = 0; i < 100 && wire.length < 3; i++) await sleep(20);
  assert.deepEqual(wire, ['a', 'b', 'b']);
  box.confirmed(result('b', 1));
  assert.equal((await retried).seq, 1);
  box.dispose();
});
