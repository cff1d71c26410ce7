/**
 * Device keys: a device identifies itself with an Ed25519 key pair and proves it holds the
 * private key by signing the server's challenge. Only the public key (raw 32 bytes,
 * base64url, RFC 8037 `x`) reaches the server.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

const RAW_KEY_LENGTH = 43; // 32 bytes in unpadded base64url
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/; // 64 bytes in unpadded base64url

/** The key, or undefined when `publicKey` is not a raw Ed25519 public key in base64url. */
export function importDeviceKey(publicKey: string): KeyObject | undefined {
  if (publicKey.length !== RAW_KEY_LENGTH || !/^[A-Za-z0-9_-]+$/.test(publicKey)) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** What a device signs to get a token: bound to the device and to one nonce, so a signature cannot be replayed elsewhere. */
export function challengeMessage(deviceId: string, nonce: string): Buffer {
  return Buffer.from(`twin-chat-device-auth:v1:${deviceId}:${nonce}`, 'utf8');
}

/** True when `signature` (base64url) is the device key's Ed25519 signature of the challenge. */
export function verifyChallenge(publicKey: string, deviceId: string, nonce: string, signature: string): boolean {
  const key = importDeviceKey(publicKey);
  if (!key || !SIGNATURE.test(signature)) return false;
  try {
    return verify(null, challengeMessage(deviceId, nonce), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
