/**
 * Store-and-forward through the SDK: offline devices catch up before live traffic,
 * siblings see each other's sends, a socket dropped in the middle of the backlog loses
 * and repeats nothing, resends of one client message id make one message, and a delete
 * for everyone reaches every device.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import type { ConversationId } from '@twin/chat-protocol';
import { encodeTextBody } from '../src/index.ts';
import { addDevice, createAccount, CuttableSocket, gaplessOrder, linkDevice, restartDevice, startChatServer, waitForMessages, type ChatServer, type TestDevice } from './harness.ts';

await forEachEngineSet('chat SDK: delivery', (engines) => {
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

  test('a device offline while 300 messages are sent gets them all in order before live ones', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const sender = track(await addDevice(server, alice));
    const offline = track(await addDevice(server, bob, { connect: false }));
    const conversationId = (await sender.client.api.createDirect(bob.accountId)).id as ConversationId;
    await Promise.all(Array.from({ length: 300 }, (_, i) => sender.client.sendText(conversationId, `missed ${i}`)));

    let caughtUpAfter = -1;
    offline.client.on('caught-up', (event) => {
      if (event.conversationId === undefined && caughtUpAfter < 0) caughtUpAfter = offline.messages(conversationId).length;
    });
    offline.client.connect();
    const live = Promise.all(Array.from({ length: 20 }, (_, i) => sender.client.sendText(conversationId, `live ${i}`)));
    await live;
    await waitForMessages([offline], conversationId, 320);
    const entries = offline.entries(conversationId);
    assert.ok(gaplessOrder(entries), 'seq 1..n once each, in order');
    const texts = offline.messages(conversationId).map((m) => m.text);
    assert.deepEqual(texts.slice(0, 300), Array.from({ length: 300 }, (_, i) => `missed ${i}`));
    assert.deepEqual(texts.slice(300), Array.from({ length: 20 }, (_, i) => `live ${i}`));
    assert.ok(offline.messages(conversationId).every((m) => !m.mine));
  });

  test("an account's two devices both receive, and each sees its sibling's sends as its own account's", async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const phone = track(await addDevice(server, alice));
    const laptop = track(await linkDevice(server, alice, phone));
    const bobby = track(await addDevice(server, bob));
    const conversationId = (await bobby.client.api.createDirect(alice.accountId)).id as ConversationId;
    await bobby.client.sendText(conversationId, 'hi alice');
    await phone.client.sendText(conversationId, 'from my phone');
    await laptop.client.sendText(conversationId, 'from my laptop');
    await waitForMessages([phone, laptop, bobby], conversationId, 3);
    for (const device of [phone, laptop, bobby]) {
      assert.deepEqual(device.messages(conversationId).map((m) => m.text), ['hi alice', 'from my phone', 'from my laptop']);
    }
    const onLaptop = laptop.messages(conversationId);
    assert.deepEqual(onLaptop.map((m) => [m.mine, m.fromThisDevice]), [[false, false], [true, false], [true, true]]);
    assert.equal(onLaptop[1]!.senderDeviceId, phone.client.deviceId);
  });

  test('a socket cut in the middle of the backlog, before any ack, resumes with nothing lost and nothing stored twice', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const sender = track(await addDevice(server, alice));
    // The first socket dies right after the first deliver frame, before the app has stored (and so acked) anything.
    let sockets = 0;
    const receiver = track(
      await addDevice(server, bob, {
        connect: false,
        webSocket: (url, protocol) => new CuttableSocket(url, protocol, (frame) => sockets === 1 && frame.type === 'deliver'),
      }),
    );
    receiver.client.on('connection', (event) => {
      if (event.state === 'connecting') sockets++;
    });
    const conversationId = (await sender.client.api.createDirect(bob.accountId)).id as ConversationId;
    const total = 1200; // more than two 500-message pages
    await Promise.all(Array.from({ length: total }, (_, i) => sender.client.sendText(conversationId, `m${i}`)));
    const states: string[] = [];
    receiver.client.on('connection', (event) => states.push(event.state));
    receiver.client.connect();
    await waitForMessages([receiver], conversationId, total);
    await receiver.client.whenIdle();
    assert.ok(sockets >= 2, 'the cut socket was replaced');
    assert.ok(states.includes('waiting'), 'the client saw the drop and backed off');
    assert.ok(gaplessOrder(receiver.entries(conversationId)), 'seq 1..n once each, in order');
    assert.deepEqual(receiver.messages(conversationId).map((m) => m.text), Array.from({ length: total }, (_, i) => `m${i}`));
    // Everything is acked now: the server's sync for this device has nothing left.
    await waitFor('the server cursor to reach the end', async () => (await receiver.client.api.sync()).messages.length === 0);
  });

  test('resending one client message id, over the socket or HTTP, stores one message with one seq', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const sender = track(await addDevice(server, alice));
    const other = track(await addDevice(server, bob));
    const conversationId = (await sender.client.api.createDirect(bob.accountId)).id as ConversationId;
    const clientMessageId = crypto.randomUUID();
    const body = encodeTextBody('only once');
    const first = sender.client.sendBody(conversationId, body, 'message', clientMessageId);
    sender.client.resendUnconfirmed();
    sender.client.resendUnconfirmed();
    const outcome = await first;
    const again = await sender.client.sendBody(conversationId, body, 'message', clientMessageId);
    assert.equal(again.seq, outcome.seq);
    assert.equal(again.duplicate, true);
    const overHttp = await sender.client.api.sendMessage(conversationId, { clientMessageId, kind: 'message', body, sentAt: Date.now() });
    assert.equal(overHttp.seq, outcome.seq);
    assert.equal(overHttp.duplicate, true);
    await sender.client.sendText(conversationId, 'after');
    await waitForMessages([sender, other], conversationId, 2);
    for (const device of [sender, other]) {
      assert.deepEqual(device.messages(conversationId).map((m) => [m.seq, m.text]), [[outcome.seq, 'only once'], [outcome.seq + 1, 'after']]);
    }
  });

  test('sends made offline wait in the stored outbox and go out once after a restart', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const other = track(await addDevice(server, bob));
    const online = track(await addDevice(server, alice));
    const conversationId = (await online.client.api.createDirect(bob.accountId)).id as ConversationId;
    await online.stop();
    const offline = await addDevice(server, alice, { connect: false }, online.store);
    const pending = ['one', 'two', 'three'].map((text) => offline.client.sendText(conversationId, text));
    await waitFor('the outbox to hold the sends', async () => (await offline.store.getOutbox()).length === 3);
    assert.equal(offline.client.pendingSends, 3);
    // The app is closed before anything went out; the next start finds the sends in its store.
    const restarted = track(await restartDevice(server, alice, offline));
    void Promise.allSettled(pending);
    await waitForMessages([other, restarted], conversationId, 3);
    await waitFor('the outbox to drain', async () => (await restarted.store.getOutbox()).length === 0);
    assert.deepEqual(other.messages(conversationId).map((m) => m.text), ['one', 'two', 'three']);
    assert.deepEqual(restarted.messages(conversationId).map((m) => [m.text, m.fromThisDevice]), [['one', true], ['two', true], ['three', true]]);
  });

  test('delete for everyone reaches every device as a tombstone and wipes the body from history', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const alice1 = track(await addDevice(server, alice));
    const alice2 = track(await linkDevice(server, alice, alice1));
    const bob1 = track(await addDevice(server, bob));
    const conversationId = (await alice1.client.api.createDirect(bob.accountId)).id as ConversationId;
    const { seq } = await alice1.client.sendText(conversationId, 'oops');
    await waitForMessages([alice2, bob1], conversationId, 1);
    await alice1.client.api.deleteMessage(conversationId, seq);
    await waitFor('a tombstone on every device', () =>
      [alice1, alice2, bob1].every((d) => d.entries(conversationId).some((m) => m.kind === 'tombstone' && m.refSeq === seq)),
    );
    const history = await bob1.client.api.history(conversationId, { limit: 10 });
    const original = history.messages.find((m) => m.seq === seq);
    assert.equal(original?.deleted, true);
    assert.equal(original?.body, '');
  });
});
