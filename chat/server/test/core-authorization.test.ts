import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, send, TEST_ENV, type TestDevice } from './core-helpers.ts';

forEachEngineSet('chat authorization matrix over HTTP', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  /** Every device route a conversation outsider might try, with the answer it must get. */
  function attempts(device: TestDevice, conversationId: string) {
    const h = bearer(device.token);
    return {
      history: () => t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: h }),
      view: () => t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}`, headers: h }),
      send: () => send(t, device, conversationId, 'intruder'),
      ack: () => t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/ack`, headers: h, payload: { seq: 1 } }),
      read: () => t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/read`, headers: h, payload: { seq: 1 } }),
      delete: () => t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/1`, headers: h }),
    };
  }

  async function setup() {
    const owner = await member(t);
    const insider = await member(t);
    const conversationId = json(
      await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(owner.device.token), payload: { type: 'group', title: 'private', memberAccountIds: [insider.account.accountId] } }),
    ).id as string;
    await send(t, owner.device, conversationId, 'for members only');
    return { owner, insider, conversationId };
  }

  async function syncedFrom(device: TestDevice, conversationId: string): Promise<unknown[]> {
    const res = await t.app.inject({ method: 'GET', url: '/v1/sync', headers: bearer(device.token) });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).messages.filter((m: { conversationId: string }) => m.conversationId === conversationId);
  }

  test('a non-member cannot read, send, ack, mark read, delete or sync a conversation', async () => {
    const { conversationId } = await setup();
    const outsider = await member(t);
    for (const [name, attempt] of Object.entries(attempts(outsider.device, conversationId))) {
      const res = await attempt();
      assert.equal(res.statusCode, 403, `${name}: ${res.body}`);
      assert.equal(json(res).error.code, 'not_a_member', name);
    }
    assert.deepEqual(await syncedFrom(outsider.device, conversationId), []);
  });

  test('a removed member gets nothing after removal, including what it could see before', async () => {
    const { owner, insider, conversationId } = await setup();
    assert.equal((await syncedFrom(insider.device, conversationId)).length, 2);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/members/${insider.account.accountId}`, headers: bearer(owner.device.token) });
    assert.equal(removed.statusCode, 204);
    await send(t, owner.device, conversationId, 'after removal');
    for (const [name, attempt] of Object.entries(attempts(insider.device, conversationId))) {
      const res = await attempt();
      assert.equal(res.statusCode, 403, `${name}: ${res.body}`);
    }
    assert.deepEqual(await syncedFrom(insider.device, conversationId), []);
  });

  test("a revoked device's token gets 401 on every route", async () => {
    const { insider, conversationId } = await setup();
    const second = await addDevice(t, insider.account, insider.device);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(insider.device.token) });
    assert.equal(removed.statusCode, 204);
    for (const [name, attempt] of Object.entries(attempts(second, conversationId))) {
      const res = await attempt();
      assert.equal(res.statusCode, 401, `${name}: ${res.body}`);
    }
    const sync = await t.app.inject({ method: 'GET', url: '/v1/sync', headers: bearer(second.token) });
    assert.equal(sync.statusCode, 401);
  });

  test('an account session token is not a device token on device routes', async () => {
    const { insider, conversationId } = await setup();
    const res = await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: bearer(insider.account.token) });
    assert.equal(res.statusCode, 403);
    assert.equal(json(res).error.code, 'device_token_required');
    const noToken = await t.app.inject({ method: 'GET', url: '/v1/sync' });
    assert.equal(noToken.statusCode, 401);
  });

  test("a device cannot act for another account: the token's account is the only one it speaks for", async () => {
    const { owner, insider, conversationId } = await setup();
    // The stored sender is the token's account and device, whatever the body says.
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: bearer(insider.device.token),
      payload: { clientMessageId: 'spoof', kind: 'message', body: '', sentAt: 0, senderAccountId: owner.account.accountId },
    });
    assert.equal(res.statusCode, 400, 'unknown fields are refused');
    const sent = json(await send(t, insider.device, conversationId, 'mine'));
    const page = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages?limit=1`, headers: bearer(owner.device.token) }));
    assert.equal(page.messages[0].seq, sent.seq);
    assert.equal(page.messages[0].senderAccountId, insider.account.accountId);
    assert.equal(page.messages[0].senderDeviceId, insider.device.deviceId);
    // Nor delete another account's message, nor remove its devices.
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/2`, headers: bearer(insider.device.token) });
    assert.equal(json(del).error.code, 'not_the_sender');
    const device = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${owner.device.deviceId}`, headers: bearer(insider.device.token) });
    assert.equal(json(device).error.code, 'not_your_device');
  });
});
