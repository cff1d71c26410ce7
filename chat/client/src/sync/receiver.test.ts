import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { WireMessage } from '@twin/chat-protocol';
import { MemoryChatStore } from '../store/memory.ts';
import { Receiver, type ReceiverOptions } from './receiver.ts';

const msg = (seq: number, conversationId = '1'): WireMessage => ({ id: String(seq), conversationId, seq, senderAccountId: '9', kind: 'message', body: '', sentAt: 0, storedAt: 0 });

async function receiver(overrides: Partial<ReceiverOptions> = {}) {
  const frames: string[] = [];
  const stored: number[] = [];
  const store = new MemoryChatStore();
  const r = await Receiver.create({
    store,
    handle: async (messages) => void stored.push(...messages.map((m) => m.seq)),
    sendFrame: (frame) => (frames.push(`${frame.type}:${frame.conversationId}:${'seq' in frame ? frame.seq : frame.afterSeq}`), true),
    onError: () => {},
    ackWindowMs: 1,
    gapGraceMs: 5,
    retryAfterMs: 5,
    ...overrides,
  });
  return { r, frames, stored, store };
}

test('acks cumulatively per conversation only after the app stored the batch', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { r, frames, store } = await receiver({ handle: () => gate });
  r.accept([msg(1), msg(2), msg(1, '2')]);
  await sleep(20);
  assert.deepEqual(frames, [], 'nothing acked while the app is storing');
  release();
  await r.whenIdle();
  assert.deepEqual(frames.sort(), ['ack:1:2', 'ack:2:1']);
  assert.deepEqual(new Map(await store.getCursors()), new Map([['1', 2], ['2', 1]]));
  r.dispose();
});

test('asks for the missing range of a live gap and releases the held messages once it arrives', async () => {
  const { r, frames, stored } = await receiver();
  r.connected();
  r.caughtUp({ type: 'caught-up' });
  r.accept([msg(1), msg(4)]);
  await sleep(30);
  assert.ok(frames.includes('sync:1:1'), frames.join());
  r.accept([msg(2), msg(3)]);
  await r.whenIdle();
  assert.deepEqual(stored, [1, 2, 3, 4]);
  r.dispose();
});

test('skips a gap the server answered twice without filling', async () => {
  const { r, frames, stored } = await receiver();
  r.caughtUp({ type: 'caught-up' });
  r.accept([msg(5), msg(6)]);
  await sleep(30);
  r.caughtUp({ type: 'caught-up', conversationId: '1' });
  r.caughtUp({ type: 'caught-up', conversationId: '1' });
  await r.whenIdle();
  assert.deepEqual(frames.filter((f) => f.startsWith('sync')), ['sync:1:0', 'sync:1:0']);
  assert.deepEqual(stored, [5, 6]);
  r.dispose();
});

test('a batch the app failed to store is not acked and is fetched again', async () => {
  let fail = true;
  const stored: number[] = [];
  const errors: unknown[] = [];
  const { r, frames } = await receiver({
    handle: async (messages) => {
      if (fail) throw new Error('disk full');
      stored.push(...messages.map((m) => m.seq));
    },
    onError: (e) => errors.push(e),
  });
  r.accept([msg(1), msg(2)]);
  await sleep(30);
  assert.equal(errors.length, 1);
  assert.ok(frames.includes('sync:1:0'), frames.join());
  assert.ok(!frames.some((f) => f.startsWith('ack')));
  fail = false;
  r.accept([msg(1), msg(2)]);
  await r.whenIdle();
  assert.deepEqual(stored, [1, 2]);
  r.dispose();
});

test('repeats the ack when the server redelivers what the app already stored', async () => {
  const { r, frames } = await receiver();
  r.accept([msg(1), msg(2)]);
  await r.whenIdle();
  r.connected();
  r.accept([msg(1), msg(2)]);
  await sleep(20);
  assert.deepEqual(frames, ['ack:1:2', 'ack:1:2']);
  r.dispose();
});
