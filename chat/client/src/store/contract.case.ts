/**
 * The contract every `ChatStore` passes (memory, JSON file, and any an app brings).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, ClientMessageId, ConversationId, DeviceId } from '@twin/chat-protocol';
import type { ChatStore, PendingSend } from './interface.ts';

export interface StoreContract {
  /** A fresh, empty store. */
  create(): Promise<ChatStore>;
  /** The same store as a new process would open it (omit for non-durable stores). */
  reopen?(store: ChatStore): Promise<ChatStore>;
}

const send = (id: string): PendingSend => ({
  clientMessageId: id as ClientMessageId,
  conversationId: '7' as ConversationId,
  kind: 'message',
  body: 'aGk',
  sentAt: 1,
});

export function runContract({ create, reopen }: StoreContract): void {
  test('starts empty', async () => {
    const store = await create();
    assert.equal(await store.getDevice(), undefined);
    assert.deepEqual(await store.getCursors(), []);
    assert.deepEqual(await store.getOutbox(), []);
  });

  test('only ever raises a cursor', async () => {
    const store = await create();
    await store.setCursors([['1' as ConversationId, 5], ['2' as ConversationId, 3]]);
    await store.setCursors([['1' as ConversationId, 4], ['2' as ConversationId, 9]]);
    assert.deepEqual(new Map(await store.getCursors()), new Map([['1', 5], ['2', 9]]));
  });

  test('keeps the outbox in order, once per client message id', async () => {
    const store = await create();
    await store.addToOutbox(send('a'));
    await store.addToOutbox(send('b'));
    await store.addToOutbox(send('a'));
    await store.addToOutbox(send('c'));
    await store.removeFromOutbox(['b' as ClientMessageId]);
    assert.deepEqual((await store.getOutbox()).map((s) => s.clientMessageId), ['a', 'c']);
  });

  if (reopen) {
    test('keeps device, cursors and outbox across a reopen', async () => {
      const store = await create();
      const device = { accountId: '1' as AccountId, deviceId: '2' as DeviceId, name: 'laptop', publicKey: 'pk', privateKey: 'sk' };
      await store.setDevice(device);
      await store.setCursors([['1' as ConversationId, 5]]);
      await store.addToOutbox(send('a'));
      const again = await reopen(store);
      assert.deepEqual(await again.getDevice(), device);
      assert.deepEqual(await again.getCursors(), [['1', 5]]);
      assert.deepEqual((await again.getOutbox()).map((s) => s.clientMessageId), ['a']);
    });
  }
}
