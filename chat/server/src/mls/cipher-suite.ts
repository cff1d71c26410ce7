/**
 * The one cipher suite the Delivery Service checks groups and key packages against
 * (`MLS_CIPHER_SUITE`, RFC 9420 §17.1 suite 1), built once per process.
 *
 * The server only hashes and verifies, and does both many times per commit: the tree hash
 * is one SHA-256 per tree node, and every added key package is two Ed25519 verifications.
 * ts-mls's defaults go through `crypto.subtle`, where each call is an async thread-pool
 * job (plus a key import) for a few microseconds of work, so hashing runs on @noble/hashes
 * and verification on node:crypto's synchronous `verify` instead (measured on a
 * 1,000-device group: see the numbers in commit-gate.ts's history and the report).
 */
import { createPublicKey, verify } from 'node:crypto';
import { MLS_CIPHER_SUITE, syncHkdfSha256, syncSha256 } from '@twin/chat-protocol';
import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl, type Signature } from 'ts-mls';

/** Ed25519 verification on node:crypto; signing and key generation stay as ts-mls has them (the server does neither). */
function ed25519Verifier(base: Signature): Signature {
  return {
    sign: (signKey, message) => base.sign(signKey, message),
    keygen: () => base.keygen(),
    async verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

let loading: Promise<CiphersuiteImpl> | undefined;

export function cipherSuite(): Promise<CiphersuiteImpl> {
  loading ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHER_SUITE)).then((base) => ({ ...base, hash: syncSha256, kdf: syncHkdfSha256, signature: ed25519Verifier(base.signature) }));
  return loading;
}
