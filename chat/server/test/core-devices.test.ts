import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, newKeys, signUp, TEST_ENV } from './core-helpers.ts';

forEachEngineSet('chat devices over HTTP', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_MAX_DEVICES: '3' }, { features: [chatFeature] });
  });
  after(() => t.close());

  test('registers the first device with the account session and signs it in by challenge-response', async () => {
    const account = await signUp(t);
    const device = await addDevice(t, account);
    const listed = await t.app.inject({ method: 'GET', url: `/v1/accounts/${account.accountId}/devices`, headers: bearer(device.token) });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(json(listed).devices.map((d: { deviceId: string; publicKey: string }) => [d.deviceId, d.publicKey]), [[device.deviceId, device.publicKey]]);
  });

  test('a second device needs a one-time link code from an existing device', async () => {
    const account = await signUp(t);
    const first = await addDevice(t, account);
    const withoutCode = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'x' } });
    assert.equal(withoutCode.statusCode, 403);
    assert.equal(json(withoutCode).error.code, 'invalid_link_code');

    const minted = json(await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(first.token) }));
    const used = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'x', linkCode: minted.code } });
    assert.equal(used.statusCode, 201, used.body);
    const reused = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'y', linkCode: minted.code } });
    assert.equal(json(reused).error.code, 'invalid_link_code');
  });

  test('a link code minted by a device that was removed since approves nothing', async () => {
    const account = await signUp(t);
    const first = await addDevice(t, account);
    const second = await addDevice(t, account, first);
    const code = json(await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(second.token) })).code;
    await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(first.token) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'x', linkCode: code } });
    assert.equal(res.statusCode, 403);
    assert.equal(json(res).error.code, 'invalid_link_code');
  });

  test("a link code of another account does not approve a device", async () => {
    const a = await signUp(t);
    const b = await signUp(t);
    const aDevice = await addDevice(t, a);
    await addDevice(t, b);
    const code = json(await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(aDevice.token) })).code;
    const res = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(b.token), payload: { publicKey: newKeys().publicKey, name: 'x', linkCode: code } });
    assert.equal(res.statusCode, 403);
    assert.equal(json(res).error.code, 'invalid_link_code');
  });

  test('refuses a device beyond CHAT_MAX_DEVICES with 409 device_limit', async () => {
    const account = await signUp(t);
    const first = await addDevice(t, account);
    await addDevice(t, account, first);
    await addDevice(t, account, first);
    const code = json(await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(first.token) })).code;
    const res = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'x', linkCode: code } });
    assert.equal(res.statusCode, 409);
    assert.equal(json(res).error.code, 'device_limit');
  });

  test('concurrent first registrations yield exactly one device without a link code', async () => {
    const account = await signUp(t);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: newKeys().publicKey, name: 'x' } })),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 403, 403, 403]);
  });

  test('a challenge nonce is single-use and a wrong signature gets 401', async () => {
    const account = await signUp(t);
    const device = await addDevice(t, account);
    const nonce = json(await t.app.inject({ method: 'POST', url: `/v1/devices/${device.deviceId}/challenge` })).nonce;
    const wrongKey = newKeys().privateKey;
    const badSig = sign(null, Buffer.from(`twin-chat-device-auth:v1:${device.deviceId}:${nonce}`), wrongKey).toString('base64url');
    const bad = await t.app.inject({ method: 'POST', url: `/v1/devices/${device.deviceId}/tokens`, payload: { nonce, signature: badSig } });
    assert.equal(bad.statusCode, 401);
    assert.equal(json(bad).error.code, 'invalid_device_signature');
    const signature = sign(null, Buffer.from(`twin-chat-device-auth:v1:${device.deviceId}:${nonce}`), device.privateKey).toString('base64url');
    const good = await t.app.inject({ method: 'POST', url: `/v1/devices/${device.deviceId}/tokens`, payload: { nonce, signature } });
    assert.equal(good.statusCode, 200, good.body);
    assert.equal(json(good).deviceId, device.deviceId);
    assert.equal(json(good).accountId, account.accountId);
    const replay = await t.app.inject({ method: 'POST', url: `/v1/devices/${device.deviceId}/tokens`, payload: { nonce, signature } });
    assert.equal(replay.statusCode, 401);
  });

  test('unknown devices get 404, malformed keys and ids 400', async () => {
    const account = await signUp(t);
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/devices/123456789/challenge' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'device_not_found');
    const outOfRange = await t.app.inject({ method: 'POST', url: '/v1/devices/99999999999999999999/challenge' });
    assert.equal(outOfRange.statusCode, 404);
    const notAnId = await t.app.inject({ method: 'POST', url: '/v1/devices/abc/challenge' });
    assert.equal(notAnId.statusCode, 400);
    const badKey = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: 'A'.repeat(42), name: 'x' } });
    assert.equal(badKey.statusCode, 400);
    const noAccount = await t.app.inject({ method: 'GET', url: '/v1/accounts/123456789/devices', headers: bearer(account.token) });
    assert.equal(noAccount.statusCode, 404);
    assert.equal(json(noAccount).error.code, 'account_not_found');
    const wrongType = await t.app.inject({ method: 'POST', url: '/v1/devices', headers: bearer(account.token), payload: { publicKey: 5, name: 'x' } });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(json(wrongType).error.code, 'validation_failed');
  });

  test('an account session token cannot act as a device', async () => {
    const account = await signUp(t);
    await addDevice(t, account);
    const res = await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(account.token) });
    assert.equal(res.statusCode, 403);
    assert.equal(json(res).error.code, 'device_token_required');
  });

  test('removing a device revokes its token everywhere and frees its slot; another account cannot remove it', async () => {
    const account = await signUp(t);
    const first = await addDevice(t, account);
    const second = await addDevice(t, account, first);
    const stranger = await signUp(t);
    const strangerDevice = await addDevice(t, stranger);
    const foreign = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(strangerDevice.token) });
    assert.equal(foreign.statusCode, 403);
    assert.equal(json(foreign).error.code, 'not_your_device');

    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(first.token) });
    assert.equal(removed.statusCode, 204, removed.body);
    const refused = await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(second.token) });
    assert.equal(refused.statusCode, 401);
    const list = json(await t.app.inject({ method: 'GET', url: `/v1/accounts/${account.accountId}/devices`, headers: bearer(first.token) }));
    assert.deepEqual(list.devices.map((d: { deviceId: string }) => d.deviceId), [first.deviceId]);
    const challenge = await t.app.inject({ method: 'POST', url: `/v1/devices/${second.deviceId}/challenge` });
    assert.equal(challenge.statusCode, 401);
    assert.equal(json(challenge).error.code, 'device_revoked');
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(account.token) });
    assert.equal(again.statusCode, 404);
    // The account session alone removes a lost device too.
    const byAccount = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${first.deviceId}`, headers: bearer(account.token) });
    assert.equal(byAccount.statusCode, 204);
    // With no device left, a new first device needs no code (the account's password is the recovery).
    await addDevice(t, account);
  });

  test('the directory describes any device by id, removed ones included, to any signed-in caller', async () => {
    const account = await signUp(t);
    const first = await addDevice(t, account);
    const second = await addDevice(t, account, first);
    const stranger = await signUp(t);
    const strangerDevice = await addDevice(t, stranger);
    const described = await t.app.inject({ method: 'GET', url: `/v1/devices/${second.deviceId}`, headers: bearer(strangerDevice.token) });
    assert.equal(described.statusCode, 200, described.body);
    assert.deepEqual(
      { ...json(described), createdAt: 0 },
      { deviceId: second.deviceId, accountId: account.accountId, name: 'test device', publicKey: second.publicKey, createdAt: 0, removedAt: null },
    );
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/v1/devices/${second.deviceId}`, headers: bearer(first.token) })).statusCode, 204);
    const removed = json(await t.app.inject({ method: 'GET', url: `/v1/devices/${second.deviceId}`, headers: bearer(first.token) }));
    assert.equal(removed.publicKey, second.publicKey, 'a removed device keeps its key in the directory');
    assert.equal(typeof removed.removedAt, 'number');
    const unknown = await t.app.inject({ method: 'GET', url: '/v1/devices/9000000000000000001', headers: bearer(first.token) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'device_not_found');
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/devices/not-an-id', headers: bearer(first.token) })).statusCode, 400);
    assert.equal((await t.app.inject({ method: 'GET', url: `/v1/devices/${first.deviceId}` })).statusCode, 401);
  });

  test('the chat core routes are in the OpenAPI document', async () => {
    const doc = json(await t.app.inject({ method: 'GET', url: '/docs/json' }));
    for (const path of ['/v1/devices', '/v1/devices/{deviceId}/tokens', '/v1/accounts/{accountId}/devices', '/v1/conversations', '/v1/conversations/{id}/messages', '/v1/conversations/{id}/messages/{seq}', '/v1/sync']) {
      assert.ok(doc.paths[path], `${path} is undocumented`);
    }
    assert.ok(doc.paths['/v1/conversations/{id}/messages'].post.summary);
  });

  test('removing a device emits chat.device-removed through the outbox', async () => {
    const account = await signUp(t);
    const device = await addDevice(t, account);
    const seen: unknown[] = [];
    const consumer = await t.platform.bus.consume({
      group: `test-device-removed-${device.deviceId}`,
      subjects: ['chat.device-removed'],
      handler: (deliveries) => {
        for (const d of deliveries) {
          seen.push(d.event.payload);
          d.ack();
        }
      },
    });
    try {
      await t.app.inject({ method: 'DELETE', url: `/v1/devices/${device.deviceId}`, headers: bearer(account.token) });
      await waitFor('the device-removed event', () => seen.some((p) => (p as { deviceId: string }).deviceId === device.deviceId));
      assert.deepEqual(seen.find((p) => (p as { deviceId: string }).deviceId === device.deviceId), { accountId: account.accountId, deviceId: device.deviceId });
    } finally {
      await consumer.stop();
    }
  });
});
