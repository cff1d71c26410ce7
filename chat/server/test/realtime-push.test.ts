import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, waitFor } from '@twin/platform/testing';
import { TestPushEndpoint } from '../src/push/test-push-endpoint.ts';
import { addDevice, bearer, member } from './core-helpers.ts';
import { createConversation, sendMessages, startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

forEachEngineSet('chat Web Push', (engines) => {
  let t: ListeningPlatform;
  let endpoint: TestPushEndpoint;
  before(async () => {
    endpoint = new TestPushEndpoint();
    await endpoint.start();
    t = await startListening(engines, { CHAT_PUSH_ALLOW_HTTP: 'true', CHAT_PUSH_COALESCE: '1h' });
  });
  after(async () => {
    await t.close();
    await endpoint.close();
  });

  test('an offline device gets one encrypted, content-free push for a burst of messages; an online one gets none', async () => {
    const vapid = await t.app.inject({ method: 'GET', url: '/v1/push/vapid-public-key' });
    assert.equal(vapid.statusCode, 200);
    const publicKey = json(vapid).publicKey as string;
    assert.equal(Buffer.from(publicKey, 'base64url').length, 65);

    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const bobOnline = await addDevice(t, bob.account, bob.device);
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const offlinePath = `/push/${bob.device.deviceId}`;
    const onlinePath = `/push/${bobOnline.deviceId}`;
    for (const [device, path] of [[bob.device, offlinePath], [bobOnline, onlinePath]] as const) {
      const subscribed = await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(device.token), payload: endpoint.subscription(path) });
      assert.equal(subscribed.statusCode, 201, subscribed.body);
    }
    const online = await TestClient.connect(t.wsUrl, bobOnline.token);
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    await sendMessages(a, conversationId, 3, 'secret words');
    await waitFor('a push for the offline device', () => endpoint.received.some((p) => p.path === offlinePath), 10_000);
    // A later burst is coalesced into the first push.
    await sendMessages(a, conversationId, 2, 'more secret words');
    await online.waitFor('online device has all five', () => online.delivered(conversationId).length >= 5);
    // Fence: a push to another offline device, sent after both bursts, has gone through the
    // same in-order consumer, so any push for the bursts would have arrived before it.
    const carol = await member(t, 'carol');
    const fenceConversation = await createConversation(t, alice.device.token, [carol.account.accountId], 'direct');
    const fencePath = `/push/fence-${carol.device.deviceId}`;
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(carol.device.token), payload: endpoint.subscription(fencePath) })).statusCode, 201);
    await sendMessages(a, fenceConversation, 1, 'fence');
    await waitFor('the fence push', () => endpoint.received.some((p) => p.path === fencePath), 10_000);

    const pushes = endpoint.received.filter((p) => p.path === offlinePath);
    assert.equal(pushes.length, 1);
    assert.equal(endpoint.received.filter((p) => p.path === onlinePath).length, 0);
    const push = pushes[0]!;
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.match(String(push.headers.authorization), new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${publicKey}$`));
    assert.ok(Number(push.headers.ttl) > 0);
    const plaintext = push.decrypt();
    assert.deepEqual(JSON.parse(plaintext), { type: 'new-messages' });
    assert.ok(!push.body.includes(Buffer.from('secret')) && !plaintext.includes('secret'));
    online.close();
    a.close();
  });

  test('a subscription the push service says is gone (410) is deleted', async () => {
    const alice = await member(t, 'alice');
    const dave = await member(t, 'dave');
    const conversationId = await createConversation(t, alice.device.token, [dave.account.accountId], 'direct');
    const path = `/gone/${dave.device.deviceId}`;
    const subscribed = await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(dave.device.token), payload: endpoint.subscription(path) });
    assert.equal(subscribed.statusCode, 201);
    endpoint.status = 410;
    try {
      const a = await TestClient.connect(t.wsUrl, alice.device.token);
      await sendMessages(a, conversationId, 1, 'x');
      await waitFor('the push attempt', () => endpoint.received.some((p) => p.path === path), 10_000);
      const db = t.platform.sql.db;
      await waitFor('the subscription to be dropped', async () => (await db.selectFrom('chat_push_subscription').select('device_id').where('device_id', '=', dave.device.deviceId).execute()).length === 0);
      a.close();
    } finally {
      endpoint.status = 201;
    }
  });

  test('subscriptions are validated and need a device token; DELETE removes them', async () => {
    const { account, device } = await member(t, 'frank');
    const good = endpoint.subscription('/v');
    const cases: Array<[unknown, number, string]> = [
      [{ ...good, endpoint: 'ftp://push.example/x' }, 400, 'invalid_push_subscription'],
      [{ ...good, keys: { ...good.keys, p256dh: Buffer.alloc(33, 2).toString('base64url') } }, 400, 'invalid_push_subscription'],
      [{ ...good, keys: { ...good.keys, auth: Buffer.alloc(8).toString('base64url') } }, 400, 'invalid_push_subscription'],
      [{ endpoint: good.endpoint }, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(device.token), payload: payload as object });
      assert.equal(res.statusCode, status, res.body);
      assert.equal(json(res).error.code, code);
    }
    const withAccountToken = await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(account.token), payload: good });
    assert.equal(withAccountToken.statusCode, 403);
    const anonymous = await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', payload: good });
    assert.equal(anonymous.statusCode, 401);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/push-subscriptions', headers: bearer(device.token), payload: good })).statusCode, 201);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/v1/push-subscriptions', headers: bearer(device.token) })).statusCode, 204);
    const rows = await t.platform.sql.db.selectFrom('chat_push_subscription').select('device_id').where('device_id', '=', device.deviceId).execute();
    assert.deepEqual(rows, []);
  });
});
