import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import type { DeviceId } from '@twin/chat-protocol';
import { challengeMessage, generateDeviceKeys, signChallenge } from './identity.ts';

test('signs the challenge string so that the raw public key verifies it', async () => {
  const keys = await generateDeviceKeys();
  const raw = Buffer.from(keys.publicKey, 'base64url');
  assert.equal(raw.length, 32);
  const signature = await signChallenge(keys.privateKey, '42' as DeviceId, 'n0nce');
  // An Ed25519 SPKI is a fixed 12-byte prefix + the raw key (RFC 8410).
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  assert.equal(Buffer.from(challengeMessage('42' as DeviceId, 'n0nce')).toString(), 'twin-chat-device-auth:v1:42:n0nce');
  assert.ok(verify(null, challengeMessage('42' as DeviceId, 'n0nce'), publicKey, Buffer.from(signature, 'base64url')));
  assert.ok(!verify(null, challengeMessage('43' as DeviceId, 'n0nce'), publicKey, Buffer.from(signature, 'base64url')));
});
