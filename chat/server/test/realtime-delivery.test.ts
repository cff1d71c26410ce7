import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_PAGE_MESSAGES } from '@twin/chat-protocol';
import { forEachEngineSet, json, waitFor } from '@twin/platform/testing';
import { addDevice, bearer, member } from './core-helpers.ts';
import { assertContiguous, bodyText, createConversation, sendMessages, startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

forEachEngineSet('chat delivery over WebSocket', (engines) => {
  let t: ListeningPlatform;
  before(async () => {
    t = await startListening(engines);
  });
  after(() => t.close());

  test('a send is answered with send-result and delivered to every device of every member but the sending one', async () => {
    const alice = await member(t, 'alice');
    const aliceLaptop = await addDevice(t, alice.account, alice.device);
    const bob = await member(t, 'bob');
    const bobTablet = await addDevice(t, bob.account, bob.device);
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    // One message before the devices connect, so each socket follows the conversation from its catch-up on.
    const early = await TestClient.connect(t.wsUrl, bob.device.token);
    await sendMessages(early, conversationId, 1, 'first');
    early.close();
    const clients = await Promise.all([alice.device, aliceLaptop, bob.device, bobTablet].map((d) => TestClient.connect(t.wsUrl, d.token)));
    await Promise.all(clients.map((c) => c.waitFor('caught-up', () => c.of('caught-up').length > 0)));
    const results = await sendMessages(clients[0]!, conversationId, 3, 'hello');
    assert.deepEqual(results.map((r) => r.duplicate), [false, false, false]);
    const firstSeq = results[0]!.seq;
    assert.deepEqual(results.map((r) => r.seq), [firstSeq, firstSeq + 1, firstSeq + 2]);
    const sent = (client: TestClient) => client.delivered(conversationId).filter((m) => m.seq >= firstSeq);
    for (const client of clients.slice(1)) {
      await client.waitFor('3 messages', () => sent(client).length >= 3);
      assert.deepEqual(sent(client).map(bodyText), ['hello-0', 'hello-1', 'hello-2']);
      assert.deepEqual(sent(client).map((m) => m.senderDeviceId), [alice.device.deviceId, alice.device.deviceId, alice.device.deviceId]);
    }
    // The sending socket has them from its send-results; the fan-out does not send them back.
    assert.deepEqual(sent(clients[0]!), []);
    for (const client of clients) client.close();
  });

  test('a resend with the same clientMessageId returns the original seq and is not delivered again', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    const frame = { type: 'send', clientMessageId: 'same-1', conversationId, kind: 'message', body: 'aGk', sentAt: 1 };
    a.send(frame);
    await a.waitFor('first result', () => a.of('send-result').length === 1);
    a.send(frame);
    await a.waitFor('second result', () => a.of('send-result').length === 2);
    const [first, second] = a.of('send-result');
    assert.equal(second!.seq, first!.seq);
    assert.equal(second!.duplicate, true);
    a.send({ type: 'ping', ref: 'fence' });
    await b.waitFor('delivery', () => b.delivered(conversationId).length >= 1);
    await a.waitFor('pong', () => a.of('pong').length > 0);
    assert.equal(b.delivered(conversationId).filter((m) => m.clientMessageId === 'same-1').length, 1);
    a.close();
    b.close();
  });

  test('send errors carry the clientMessageId: non-member, unknown conversation, oversized body', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const carol = await member(t, 'carol');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const c = await TestClient.connect(t.wsUrl, carol.device.token);
    c.send({ type: 'send', clientMessageId: 'nm', conversationId, kind: 'message', body: 'aGk', sentAt: 1 });
    c.send({ type: 'send', clientMessageId: 'nf', conversationId: '123456789', kind: 'message', body: 'aGk', sentAt: 1 });
    c.send({ type: 'send', clientMessageId: 'big', conversationId, kind: 'message', body: Buffer.alloc(64 * 1024 + 1).toString('base64url'), sentAt: 1 });
    await c.waitFor('three errors', () => c.of('error').length >= 3);
    const byRef = Object.fromEntries(c.of('error').map((e) => [e.ref, e.code]));
    assert.deepEqual(byRef, { nm: 'not_a_member', nf: 'conversation_not_found', big: 'payload_too_large' });
    assert.equal(c.closed, undefined);
    c.close();
  });

  test('an offline device gets its backlog in order, in pages, then caught-up, then live messages, with no gap and no duplicate', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const total = MAX_PAGE_MESSAGES * 2 + 37;
    await sendMessages(a, conversationId, total, 'offline');
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await b.waitFor('caught-up', () => b.of('caught-up').length > 0, 20_000);
    const deliversBeforeCaughtUp = b.frames.slice(0, b.frames.findIndex((f) => f.type === 'caught-up')).filter((f) => f.type === 'deliver');
    assert.ok(deliversBeforeCaughtUp.length >= 3, `${deliversBeforeCaughtUp.length} pages`);
    assert.ok(deliversBeforeCaughtUp.every((f) => f.type === 'deliver' && f.messages.length <= MAX_PAGE_MESSAGES));
    await sendMessages(a, conversationId, 5, 'live');
    await b.waitFor('live ones', () => b.delivered(conversationId).length >= total + 5);
    const received = b.delivered(conversationId);
    assertContiguous(received, 1, total + 5);
    assert.deepEqual(received.slice(total).map(bodyText), ['live-0', 'live-1', 'live-2', 'live-3', 'live-4']);
    a.close();
    b.close();
  });

  test('a device that disconnects in the middle of a page resumes after what it acked, in order', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const total = MAX_PAGE_MESSAGES + 120;
    await sendMessages(a, conversationId, total, 'resume');
    const first = await TestClient.connect(t.wsUrl, bob.device.token);
    await first.waitFor('a page', () => first.delivered(conversationId).length >= 300);
    // Stored 300 of the first page, acked them, and vanished mid-page.
    first.send({ type: 'ack', conversationId, seq: 300 });
    // An ack has no answer frame; wait until the cursor is stored (sync starts after it).
    await waitFor('the ack to be stored', async () => {
      const sync = await t.app.inject({ method: 'GET', url: '/v1/sync?limit=1', headers: bearer(bob.device.token) });
      return json(sync).messages?.[0]?.seq === 301;
    });
    first.close();
    const second = await TestClient.connect(t.wsUrl, bob.device.token);
    await second.waitFor('caught-up', () => second.of('caught-up').length > 0, 20_000);
    assertContiguous(second.delivered(conversationId), 301, total);
    second.close();
    a.close();
  });

  test('sync with afterSeq re-streams one conversation (gap repair) and answers caught-up for it', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    await sendMessages(a, conversationId, 10, 's');
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await b.waitFor('10', () => b.delivered(conversationId).length >= 10);
    const before = b.frames.length;
    b.send({ type: 'sync', conversationId, afterSeq: 6, ref: 'gap' });
    await b.waitFor('caught-up for the conversation', () => b.frames.slice(before).some((f) => f.type === 'caught-up' && f.conversationId === conversationId));
    const again = b.frames.slice(before).flatMap((f) => (f.type === 'deliver' ? f.messages : []));
    assertContiguous(again, 7, 10);
    a.close();
    b.close();
  });

  test('a removed member receives nothing after the removal', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const carol = await member(t, 'carol');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId, carol.account.accountId]);
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const c = await TestClient.connect(t.wsUrl, carol.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await sendMessages(a, conversationId, 2, 'before');
    await c.waitFor('before', () => c.delivered(conversationId).filter((m) => m.kind === 'message').length >= 2);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/members/${carol.account.accountId}`, headers: bearer(alice.device.token) });
    assert.ok(removed.statusCode === 200 || removed.statusCode === 204, removed.body);
    const afterRemoval = c.delivered(conversationId).length;
    await sendMessages(a, conversationId, 3, 'after');
    await b.waitFor('bob has them', () => b.delivered(conversationId).filter((m) => bodyText(m).startsWith('after')).length === 3);
    // Bob got them; a fence through Carol's socket proves hers had its chance.
    c.send({ type: 'ping', ref: 'fence' });
    await c.waitFor('pong', () => c.of('pong').length > 0);
    const late = c.delivered(conversationId).slice(afterRemoval);
    assert.deepEqual(late.filter((m) => m.kind === 'message').map(bodyText), []);
    c.send({ type: 'sync', conversationId, afterSeq: 0, ref: 'try' });
    await c.waitFor('refused', () => c.of('error').some((e) => e.ref === 'try'));
    assert.equal(c.of('error').find((e) => e.ref === 'try')!.code, 'not_a_member');
    a.close();
    b.close();
    c.close();
  });

  test('acks move the cursor: a reconnect after acking everything gets no backlog', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const results = await sendMessages(a, conversationId, 4, 'ack');
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await b.waitFor('4', () => b.delivered(conversationId).length >= 4);
    const last = results.at(-1)!.seq;
    b.send({ type: 'ack', conversationId, seq: last });
    // The delivered receipt leaves once the cursor is committed (a pong would not wait for the ack's group commit).
    await a.waitFor('delivered receipt', () => a.of('receipt').some((r) => r.status === 'delivered' && r.seq === last));
    b.close();
    const again = await TestClient.connect(t.wsUrl, bob.device.token);
    await again.waitFor('caught-up', () => again.of('caught-up').length > 0);
    assert.deepEqual(again.delivered(conversationId), []);
    again.close();
    a.close();
  });

  test('5 devices of 3 accounts sending 200 messages each at once all receive the identical log, gapless and without duplicates', async () => {
    const alice = await member(t, 'alice');
    const aliceLaptop = await addDevice(t, alice.account, alice.device);
    const bob = await member(t, 'bob');
    const bobTablet = await addDevice(t, bob.account, bob.device);
    const carol = await member(t, 'carol');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId, carol.account.accountId]);
    const devices = [alice.device, aliceLaptop, bob.device, bobTablet, carol.device];
    const clients = await Promise.all(devices.map((d) => TestClient.connect(t.wsUrl, d.token)));
    await Promise.all(clients.map((c) => c.waitFor('caught-up', () => c.of('caught-up').length > 0)));
    const results = await Promise.all(clients.map((c, i) => sendMessages(c, conversationId, 200, `d${i}`)));
    const lastSeq = Math.max(...results.flat().map((r) => r.seq));
    for (const client of clients) {
      // Its own send-results can arrive before the deliveries of earlier seqs (those may be
      // read from the log after a lag), so the last seq alone does not mean the whole log.
      await client.waitFor('the whole log', () => {
        const held = client.held(conversationId);
        return held.at(-1)?.seq === lastSeq && new Set(held.map((m) => m.seq)).size === lastSeq - held[0]!.seq + 1;
      }, 20_000);
      const held = client.held(conversationId);
      assertContiguous(held, held[0]!.seq, lastSeq);
    }
    const logs = clients.map((c) => c.held(conversationId).map((m) => `${m.seq}:${m.id}`).join(','));
    assert.ok(logs.every((log) => log === logs[0]), 'every device sees the same log');
    for (const client of clients) client.close();
  });
});
