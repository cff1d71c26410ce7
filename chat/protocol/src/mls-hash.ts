/**
 * SHA-256, HMAC-SHA-256 and HKDF-SHA-256 for ts-mls on @noble/hashes (synchronous, pure
 * JS, the same in browsers), shared by the SDK's and the Delivery Service's cipher suite.
 * ts-mls's default goes through `crypto.subtle`, where each call is an async thread-pool
 * job (plus a key import) for a few microseconds of work, and an epoch of a large group
 * makes thousands of them: the tree hash is one SHA-256 per node, the secret tree about
 * three HMACs per node.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Hash, Kdf } from 'ts-mls';

export const syncSha256: Hash = {
  async digest(data) {
    return sha256(data);
  },
  async mac(key, data) {
    return hmac(sha256, key, data);
  },
  async verifyMac(key, mac, data) {
    const expected = hmac(sha256, key, data);
    // Constant time over the common length; a length difference alone already fails.
    let diff = expected.length ^ mac.length;
    for (let i = 0; i < Math.min(expected.length, mac.length); i++) diff |= expected[i]! ^ mac[i]!;
    return diff === 0;
  },
};

export const syncHkdfSha256: Kdf = {
  async extract(salt, ikm) {
    return extract(sha256, ikm, salt);
  },
  async expand(prk, info, length) {
    return expand(sha256, prk, info, length);
  },
  size: 32,
};
