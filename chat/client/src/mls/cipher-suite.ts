/**
 * The one cipher suite every group uses (RFC 9420 §17.1, suite 1: X25519, AES-128-GCM,
 * SHA-256, Ed25519 — the signature algorithm of the device identity keys), built once per
 * process.
 *
 * Hashing and HKDF run on @noble/hashes (synchronous, pure JS, the same in browsers)
 * instead of ts-mls's default WebCrypto: every epoch ts-mls derives the whole secret tree
 * (about three HMACs per tree node) and recomputes the tree hash (one SHA-256 per node),
 * so adding one device to a 1,000-device group makes some 8,000 tiny hash calls, and
 * through `crypto.subtle` each is an importKey plus an async thread-pool job (~35–120 µs
 * here) for ~3 µs of work. Signatures, HPKE and AEAD stay on WebCrypto, where the native
 * code is worth the hop.
 */
import { MLS_CIPHER_SUITE } from '@twin/chat-protocol';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl, type CiphersuiteName, type Hash, type Kdf } from 'ts-mls';

/** The suite the Delivery Service checks groups and key packages against. */
export const CIPHER_SUITE: CiphersuiteName = MLS_CIPHER_SUITE;

/** SHA-256 and HMAC-SHA-256 without a thread-pool hop. */
export const syncSha256: Hash = {
  async digest(data) {
    return sha256(data);
  },
  async mac(key, data) {
    return hmac(sha256, key, data);
  },
  async verifyMac(key, mac, data) {
    const expected = hmac(sha256, key, data);
    if (expected.length !== mac.length) return false;
    let diff = 0;
    for (let i = 0; i < mac.length; i++) diff |= expected[i]! ^ mac[i]!;
    return diff === 0;
  },
};

/** HKDF-SHA-256 (RFC 5869) without a thread-pool hop. */
export const syncHkdfSha256: Kdf = {
  async extract(salt, ikm) {
    return extract(sha256, ikm, salt);
  },
  async expand(prk, info, length) {
    return expand(sha256, prk, info, length);
  },
  size: 32,
};

let loading: Promise<CiphersuiteImpl> | undefined;

export function loadCipherSuite(): Promise<CiphersuiteImpl> {
  loading ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE)).then((webCrypto) => ({ ...webCrypto, hash: syncSha256, kdf: syncHkdfSha256 }));
  return loading;
}
