/**
 * Helpers for the chat core's HTTP tests: accounts, devices with real Ed25519 keys and
 * challenge-response tokens, all through the public API.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { json, type TestPlatform } from '@twin/platform/testing';

/** Rate limits that a test's burst of requests from one IP and account will not hit. */
export const TEST_ENV = {
  RATE_LIMIT_IP_BURST: '1000000',
  RATE_LIMIT_IP_PER_SECOND: '1000000',
  RATE_LIMIT_ACCOUNT_BURST: '1000000',
  RATE_LIMIT_ACCOUNT_PER_SECOND: '1000000',
  RATE_LIMIT_LOGIN_BURST: '1000000',
};

export interface TestAccount {
  accountId: string;
  handle: string;
  /** The account session's access token. */
  token: string;
}

export interface TestDevice {
  accountId: string;
  deviceId: string;
  publicKey: string;
  privateKey: KeyObject;
  /** A device access token. */
  token: string;
}

let counter = 0;

export async function signUp(t: TestPlatform, prefix = 'u'): Promise<TestAccount> {
  const handle = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
  const created = await t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password: 'correct horse battery' } });
  assert.equal(created.statusCode, 201, created.body);
  const session = await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle, password: 'correct horse battery' } });
  assert.equal(session.statusCode, 201, session.body);
  return { accountId: json(created).id, handle, token: json(session).accessToken };
}

export function newKeys(): { publicKey: string; privateKey: KeyObject } {
  const pair = generateKeyPairSync('ed25519');
  return { publicKey: pair.publicKey.export({ format: 'jwk' }).x!, privateKey: pair.privateKey };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Registers a device (with a link code minted by `linkedBy` when given) and signs it in. */
export async function addDevice(t: TestPlatform, account: TestAccount, linkedBy?: TestDevice): Promise<TestDevice> {
  let linkCode: string | undefined;
  if (linkedBy) {
    const minted = await t.app.inject({ method: 'POST', url: '/v1/devices/link-codes', headers: bearer(linkedBy.token) });
    assert.equal(minted.statusCode, 201, minted.body);
    linkCode = json(minted).code;
  }
  const keys = newKeys();
  const registered = await t.app.inject({
    method: 'POST',
    url: '/v1/devices',
    headers: bearer(account.token),
    payload: { publicKey: keys.publicKey, name: 'test device', ...(linkCode ? { linkCode } : {}) },
  });
  assert.equal(registered.statusCode, 201, registered.body);
  const deviceId = json(registered).deviceId as string;
  const token = await deviceToken(t, deviceId, keys.privateKey);
  return { accountId: account.accountId, deviceId, publicKey: keys.publicKey, privateKey: keys.privateKey, token };
}

export async function deviceToken(t: TestPlatform, deviceId: string, privateKey: KeyObject): Promise<string> {
  const challenge = await t.app.inject({ method: 'POST', url: `/v1/devices/${deviceId}/challenge` });
  assert.equal(challenge.statusCode, 200, challenge.body);
  const nonce = json(challenge).nonce as string;
  const signature = sign(null, Buffer.from(`twin-chat-device-auth:v1:${deviceId}:${nonce}`), privateKey).toString('base64url');
  const issued = await t.app.inject({ method: 'POST', url: `/v1/devices/${deviceId}/tokens`, payload: { nonce, signature } });
  assert.equal(issued.statusCode, 200, issued.body);
  return json(issued).accessToken;
}

/** An account with one signed-in device. */
export async function member(t: TestPlatform, prefix = 'u'): Promise<{ account: TestAccount; device: TestDevice }> {
  const account = await signUp(t, prefix);
  return { account, device: await addDevice(t, account) };
}

export const text = (s: string) => Buffer.from(s).toString('base64url');

/** Sends one message over HTTP; returns the response. */
export function send(t: TestPlatform, device: TestDevice, conversationId: string, body: string, clientMessageId: string = randomUUID()) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/conversations/${conversationId}/messages`,
    headers: bearer(device.token),
    payload: { clientMessageId, kind: 'message', body: text(body), sentAt: Date.now() },
  });
}
