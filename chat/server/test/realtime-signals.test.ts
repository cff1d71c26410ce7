import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json } from '@twin/platform/testing';
import { addDevice, bearer, member } from './core-helpers.ts';
import { createConversation, sendMessages, startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

forEachEngineSet('chat receipts, typing and presence', (engines) => {
  let t: ListeningPlatform;
  before(async () => {
    t = await startListening(engines, { CHAT_TYPING_TTL: '300ms' });
  });
  after(() => t.close());

  test('delivered receipts (on ack, from any of the recipient’s devices) and read receipts reach the sender’s devices', async () => {
    const alice = await member(t, 'alice');
    const aliceLaptop = await addDevice(t, alice.account, alice.device);
    const bob = await member(t, 'bob');
    const bobTablet = await addDevice(t, bob.account, bob.device);
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const laptop = await TestClient.connect(t.wsUrl, aliceLaptop.token);
    const tablet = await TestClient.connect(t.wsUrl, bobTablet.token);
    const results = await sendMessages(a, conversationId, 3, 'r');
    const last = results.at(-1)!.seq;
    await tablet.waitFor('3 delivered', () => tablet.delivered(conversationId).length >= 3);
    tablet.send({ type: 'ack', conversationId, seq: last });
    for (const client of [a, laptop]) {
      await client.waitFor('delivered receipt', () => client.of('receipt').some((r) => r.status === 'delivered' && r.seq === last));
      const receipt = client.of('receipt').find((r) => r.status === 'delivered')!;
      assert.equal(receipt.accountId, bob.account.accountId);
      assert.equal(receipt.deviceId, bobTablet.deviceId);
      assert.equal(receipt.conversationId, conversationId);
    }
    tablet.send({ type: 'read', conversationId, seq: last - 1 });
    await a.waitFor('read receipt', () => a.of('receipt').some((r) => r.status === 'read'));
    assert.deepEqual(
      a.of('receipt').filter((r) => r.status === 'read').map((r) => [r.accountId, r.seq]),
      [[bob.account.accountId, last - 1]],
    );
    // Bob does not get receipts about himself.
    tablet.send({ type: 'ping' });
    await tablet.waitFor('pong', () => tablet.of('pong').length > 0);
    assert.deepEqual(tablet.of('receipt'), []);
    for (const c of [a, laptop, tablet]) c.close();
  });

  test('an ack that covers only the account’s own messages sends no receipt; one covering another member’s message does', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    const own = await sendMessages(a, conversationId, 2, 'own');
    await a.waitFor('her own 2 messages back', () => a.delivered(conversationId).length >= 2);
    a.send({ type: 'ack', conversationId, seq: own.at(-1)!.seq });
    const [reply] = await sendMessages(b, conversationId, 1, 'reply');
    await a.waitFor('the reply', () => a.delivered(conversationId).some((m) => m.seq === reply!.seq));
    a.send({ type: 'ack', conversationId, seq: reply!.seq });
    await b.waitFor('a delivered receipt for his reply', () => b.of('receipt').some((r) => r.status === 'delivered' && r.seq === reply!.seq));
    // Acks are handled in order, so the first one's receipt would have come before this one.
    assert.deepEqual(
      b.of('receipt').map((r) => [r.accountId, r.status, r.seq]),
      [[alice.account.accountId, 'delivered', reply!.seq]],
    );
    for (const c of [a, b]) c.close();
  });

  test('typing reaches the other members only, and turns off by itself after the TTL', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const carol = await member(t, 'carol');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId, carol.account.accountId]);
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    const c = await TestClient.connect(t.wsUrl, carol.device.token);
    a.send({ type: 'typing', conversationId, active: true });
    for (const client of [b, c]) {
      await client.waitFor('typing on, then off', () => client.of('typing').length >= 2);
      assert.deepEqual(
        client.of('typing').map((f) => [f.conversationId, f.accountId, f.deviceId, f.active]),
        [
          [conversationId, alice.account.accountId, alice.device.deviceId, true],
          [conversationId, alice.account.accountId, alice.device.deviceId, false],
        ],
      );
    }
    assert.deepEqual(a.of('typing'), []);
    const stranger = await member(t, 'dave');
    const d = await TestClient.connect(t.wsUrl, stranger.device.token);
    d.send({ type: 'typing', conversationId, active: true, ref: 'nope' });
    await d.waitFor('error', () => d.of('error').length > 0);
    assert.deepEqual([d.of('error')[0]!.code, d.of('error')[0]!.ref], ['not_a_member', 'nope']);
    for (const client of [a, b, c, d]) client.close();
  });

  test('presence: followers hear online and offline with last seen; strangers are refused; hiding last seen drops the time', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const stranger = await member(t, 'eve');
    await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    b.send({ type: 'presence-subscribe', accountIds: [alice.account.accountId, stranger.account.accountId], ref: 'sub' });
    await b.waitFor('refusal and current presence', () => b.of('error').length > 0 && b.of('presence').length > 0);
    assert.deepEqual([b.of('error')[0]!.code, b.of('error')[0]!.ref], ['presence_not_shared', 'sub']);
    assert.deepEqual(b.of('presence')[0], { type: 'presence', accountId: alice.account.accountId, online: false });
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    await b.waitFor('online', () => b.of('presence').some((p) => p.online));
    const query = await t.app.inject({ method: 'GET', url: `/v1/presence?accountIds=${alice.account.accountId}`, headers: bearer(bob.device.token) });
    assert.equal(query.statusCode, 200, query.body);
    assert.deepEqual(json(query).presence, [{ accountId: alice.account.accountId, online: true }]);
    a.close();
    await b.waitFor('offline', () => b.of('presence').filter((p) => !p.online).length >= 2);
    const offline = b.of('presence').at(-1)!;
    assert.equal(offline.online, false);
    assert.ok(typeof offline.lastSeenAt === 'number' && offline.lastSeenAt > 0);

    const hidden = await t.app.inject({ method: 'PUT', url: '/v1/presence/settings', headers: bearer(alice.device.token), payload: { lastSeen: 'nobody' } });
    assert.equal(hidden.statusCode, 200, hidden.body);
    const again = await t.app.inject({ method: 'GET', url: `/v1/presence?accountIds=${alice.account.accountId}`, headers: bearer(bob.device.token) });
    assert.deepEqual(json(again).presence, [{ accountId: alice.account.accountId, online: false }]);
    const refused = await t.app.inject({ method: 'GET', url: `/v1/presence?accountIds=${stranger.account.accountId}`, headers: bearer(bob.device.token) });
    assert.equal(refused.statusCode, 403);
    assert.equal(json(refused).error.code, 'presence_not_shared');
    const badQuery = await t.app.inject({ method: 'GET', url: '/v1/presence?accountIds=abc', headers: bearer(bob.device.token) });
    assert.equal(badQuery.statusCode, 400);
    const accountToken = await t.app.inject({ method: 'GET', url: `/v1/presence?accountIds=${alice.account.accountId}`, headers: bearer(bob.account.token) });
    assert.equal(accountToken.statusCode, 403);
    b.close();
  });
});
