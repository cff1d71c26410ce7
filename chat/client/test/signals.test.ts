/**
 * Receipts, typing and presence through the SDK: an ack after storing turns into a
 * `delivered` receipt for the sender, `markRead` into a `read` one; typing is relayed to
 * the other member; a presence subscription reports the other account online; a device
 * registers its Web Push subscription.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import type { ConversationId } from '@twin/chat-protocol';
import { ChatApiError, type ChatClientEvents } from '../src/index.ts';
import { addDevice, createAccount, startChatServer, waitForMessages, type ChatServer, type TestDevice } from './harness.ts';

await forEachEngineSet('chat SDK: receipts, typing, presence, push', (engines) => {
  let server: ChatServer;
  const devices: TestDevice[] = [];
  const track = (device: TestDevice) => (devices.push(device), device);
  before(async () => {
    server = await startChatServer(engines);
  });
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await server.close();
  });

  test('the sender hears delivered once the recipient stored the message and read once it marked it read', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const sender = track(await addDevice(server, alice));
    const recipient = track(await addDevice(server, bob));
    const receipts: ChatClientEvents['receipt'][] = [];
    sender.client.on('receipt', (receipt) => receipts.push(receipt));
    const conversationId = (await sender.client.api.createDirect(bob.accountId)).id as ConversationId;
    const { seq } = await sender.client.sendText(conversationId, 'did you get this?');
    await waitForMessages([recipient], conversationId, 1);
    const fromBob = (status: string) => receipts.some((r) => r.accountId === bob.accountId && r.status === status && r.seq >= seq && r.conversationId === conversationId);
    await waitFor('a delivered receipt', () => fromBob('delivered'));
    assert.equal(fromBob('read'), false);
    assert.equal(recipient.client.markRead(conversationId, seq), true);
    await waitFor('a read receipt', () => fromBob('read'));
  });

  test('typing reaches the other member and presence reports a subscribed account online', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const typist = track(await addDevice(server, alice));
    const watcher = track(await addDevice(server, bob));
    const conversationId = (await typist.client.api.createDirect(bob.accountId)).id as ConversationId;
    const typing: ChatClientEvents['typing'][] = [];
    watcher.client.on('typing', (event) => typing.push(event));
    const presence: ChatClientEvents['presence'][] = [];
    watcher.client.on('presence', (event) => presence.push(event));
    typist.client.typing(conversationId);
    typist.client.typing(conversationId);
    await waitFor('typing started', () => typing.some((t) => t.active && t.accountId === alice.accountId && t.conversationId === conversationId));
    typist.client.stopTyping(conversationId);
    await waitFor('typing stopped', () => typing.some((t) => !t.active && t.accountId === alice.accountId));
    assert.equal(typing.filter((t) => t.active).length, 1, 'one start for two keystrokes');
    watcher.client.subscribePresence([alice.accountId]);
    await waitFor('alice online', () => presence.some((p) => p.accountId === alice.accountId && p.online));
    const [listed] = await watcher.client.api.presence([alice.accountId]);
    assert.equal(listed?.online, true);
  });

  test('registers and removes a Web Push subscription for the device with the server\'s VAPID key', async () => {
    const alice = await createAccount(server, 'alice');
    const device = track(await addDevice(server, alice));
    const vapid = await device.client.api.vapidPublicKey();
    assert.equal(Buffer.from(vapid, 'base64url').length, 65, 'an uncompressed P-256 point');
    const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as unknown as { publicKey: CryptoKey };
    const p256dh = Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url');
    const auth = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    await device.client.api.subscribePush({ endpoint: 'https://push.example.invalid/send/abc', keys: { p256dh, auth } });
    await assert.rejects(device.client.api.subscribePush({ endpoint: 'https://push.example.invalid/x', keys: { p256dh: 'AAAA', auth } }), (e: unknown) => e instanceof ChatApiError && e.status === 400);
    await device.client.api.unsubscribePush();
  });
});
