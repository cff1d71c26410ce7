import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { challengeMessage, importDeviceKey, verifyChallenge } from './ed25519.ts';

function deviceKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { x, privateKey };
}

test('accepts a raw Ed25519 public key and refuses anything else', () => {
  const { x } = deviceKeys();
  assert.ok(importDeviceKey(x));
  assert.equal(importDeviceKey(x.slice(1)), undefined);
  assert.equal(importDeviceKey(`${x.slice(0, -1)}+`), undefined);
  assert.equal(importDeviceKey(''), undefined);
});

test('verifies a signature over the challenge of this device and nonce only', () => {
  const { x, privateKey } = deviceKeys();
  const signature = sign(null, challengeMessage('42', 'nonce-1'), privateKey).toString('base64url');
  assert.equal(verifyChallenge(x, '42', 'nonce-1', signature), true);
  assert.equal(verifyChallenge(x, '43', 'nonce-1', signature), false);
  assert.equal(verifyChallenge(x, '42', 'nonce-2', signature), false);
  assert.equal(verifyChallenge(deviceKeys().x, '42', 'nonce-1', signature), false);
  assert.equal(verifyChallenge(x, '42', 'nonce-1', 'short'), false);
});
