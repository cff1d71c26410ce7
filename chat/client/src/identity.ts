/**
 * The device's key pair and proof of possession: an Ed25519 key generated on the device
 * (WebCrypto, so the same code runs in browsers), the raw public key registered with the
 * server, and the challenge signature — Ed25519 over the UTF-8 bytes of
 * `twin-chat-device-auth:v1:<deviceId>:<nonce>` — that buys a short-lived device token.
 */
import { fromBase64Url, toBase64Url, type DeviceId } from '@twin/chat-protocol';

export interface DeviceKeys {
  /** Raw public key (32 bytes), base64url. */
  publicKey: string;
  /** PKCS#8 private key, base64url. */
  privateKey: string;
}

export async function generateDeviceKeys(): Promise<DeviceKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as unknown as { publicKey: CryptoKey; privateKey: CryptoKey };
  const [raw, pkcs8] = await Promise.all([crypto.subtle.exportKey('raw', pair.publicKey), crypto.subtle.exportKey('pkcs8', pair.privateKey)]);
  return { publicKey: toBase64Url(new Uint8Array(raw)), privateKey: toBase64Url(new Uint8Array(pkcs8)) };
}

/** The exact bytes a device signs to prove it holds its key (the server builds the same string). */
export function challengeMessage(deviceId: DeviceId, nonce: string): Uint8Array {
  return new TextEncoder().encode(`twin-chat-device-auth:v1:${deviceId}:${nonce}`);
}

export async function signChallenge(privateKey: string, deviceId: DeviceId, nonce: string): Promise<string> {
  const key = await crypto.subtle.importKey('pkcs8', fromBase64Url(privateKey) as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['sign']);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, challengeMessage(deviceId, nonce) as Uint8Array<ArrayBuffer>)));
}
