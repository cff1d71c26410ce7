import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { DeviceSession } from './device-session.ts';
import { ChatApi } from './http/chat-api.ts';
import { generateDeviceKeys } from './identity.ts';

/** A ChatApi whose token route mints numbered tokens with the given lifetime, counting the challenges. */
async function fixture(lifetimeMs: number) {
  const keys = await generateDeviceKeys();
  const device = { accountId: '1' as AccountId, deviceId: '2' as DeviceId, name: 'd', ...keys };
  let minted = 0;
  const api = new ChatApi({ baseUrl: 'http://chat.invalid' });
  api.challenge = async () => ({ nonce: `n${minted}`, expiresAt: Date.now() + 60_000 });
  api.deviceToken = async (deviceId, nonce, signature) => {
    assert.equal(deviceId, '2');
    assert.match(signature, /^[A-Za-z0-9_-]{86}$/);
    minted++;
    return { accessToken: `t${minted}:${nonce}`, expiresAt: Date.now() + lifetimeMs, accountId: device.accountId, deviceId: device.deviceId };
  };
  return { session: new DeviceSession(api, device), minted: () => minted };
}

test('mints one token for concurrent callers and reuses it while fresh', async () => {
  const { session, minted } = await fixture(15 * 60_000);
  const tokens = await Promise.all([session.token(), session.token(), session.token()]);
  assert.deepEqual(new Set(tokens), new Set(['t1:n0']));
  assert.equal(await session.token(), 't1:n0');
  assert.equal(minted(), 1);
  session.close();
});

test('mints a new token after invalidate (the server refused it) and when the cached one is about to expire', async () => {
  const { session, minted } = await fixture(30_000);
  await session.token();
  // 30 s left is inside the refresh margin: the next caller gets a new one.
  await session.token();
  assert.equal(minted(), 2);
  const fresh = await fixture(15 * 60_000);
  await fresh.session.token();
  fresh.session.invalidate();
  assert.equal(await fresh.session.token(), 't2:n1');
  session.close();
  fresh.session.close();
});
