/**
 * The ordering property end to end: many devices of several accounts send at once into
 * one group, and every device — including one that joins afterwards — ends with the same
 * log in the same seq order, with no gap, no duplicate, and every message present.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet } from '@twin/platform/testing';
import type { ConversationId } from '@twin/chat-protocol';
import { addDevice, createAccount, gaplessOrder, linkDevice, startChatServer, waitForMessages, type ChatServer, type TestDevice } from './harness.ts';

const PER_DEVICE = 200;

await forEachEngineSet('chat SDK: concurrent senders', (engines) => {
  let server: ChatServer;
  const devices: TestDevice[] = [];
  before(async () => {
    server = await startChatServer(engines);
  });
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await server.close();
  });

  test('5 devices of 3 accounts sending 200 messages each at once end with one identical gapless log, each message once', async () => {
    const [alice, bob, carol] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob'), createAccount(server, 'carol')]);
    const alice1 = await addDevice(server, alice);
    const bob1 = await addDevice(server, bob);
    const carol1 = await addDevice(server, carol);
    const alice2 = await linkDevice(server, alice, alice1);
    const bob2 = await linkDevice(server, bob, bob1);
    const senders = [alice1, alice2, bob1, bob2, carol1];
    devices.push(...senders);
    const group = await alice1.client.api.createGroup('load', [bob.accountId, carol.accountId]);
    const conversationId = group.id as ConversationId;

    const sends = senders.flatMap((device, d) => Array.from({ length: PER_DEVICE }, (_, i) => device.client.sendText(conversationId, `d${d}-m${i}`)));
    const outcomes = await Promise.all(sends);
    const total = senders.length * PER_DEVICE;
    assert.equal(new Set(outcomes.map((o) => o.seq)).size, total, 'every send got its own seq');
    assert.equal(outcomes.filter((o) => o.duplicate).length, 0);

    // A device that joins afterwards catches up to the same log.
    const carol2 = await linkDevice(server, carol, carol1);
    devices.push(carol2);
    const everyone = [...senders, carol2];
    await waitForMessages(everyone, conversationId, total, 60_000);
    await Promise.all(everyone.map((d) => d.client.whenIdle()));

    const reference = senders[0]!.entries(conversationId).map((m) => `${m.seq}:${m.id}`);
    const expectedTexts = new Set(senders.flatMap((_, d) => Array.from({ length: PER_DEVICE }, (_, i) => `d${d}-m${i}`)));
    for (const [n, device] of everyone.entries()) {
      const entries = device.entries(conversationId);
      if (device !== carol2) assert.ok(gaplessOrder(entries), `device ${n} stored seq 1..${entries.length} once each, in order`);
      else assert.ok(entries.every((m, i) => i === 0 || m.seq === entries[i - 1]!.seq + 1), 'the late device has no gap');
      assert.deepEqual(entries.map((m) => `${m.seq}:${m.id}`), reference.slice(reference.length - entries.length), `device ${n} has the same order`);
      const texts = device.messages(conversationId).map((m) => m.text);
      assert.equal(texts.length, total, `device ${n} has every message`);
      assert.deepEqual(new Set(texts), expectedTexts);
    }
    // Each sender's own messages keep its send order.
    for (const [d, device] of senders.entries()) {
      const own = device.messages(conversationId).filter((m) => m.fromThisDevice).map((m) => m.text);
      assert.deepEqual(own, Array.from({ length: PER_DEVICE }, (_, i) => `d${d}-m${i}`));
    }
  });
});
