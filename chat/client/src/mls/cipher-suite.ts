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
import { MLS_CIPHER_SUITE, syncHkdfSha256, syncSha256 } from '@twin/chat-protocol';
import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl, type CiphersuiteName } from 'ts-mls';

/** The suite the Delivery Service checks groups and key packages against. */
export const CIPHER_SUITE: CiphersuiteName = MLS_CIPHER_SUITE;

let loading: Promise<CiphersuiteImpl> | undefined;

export function loadCipherSuite(): Promise<CiphersuiteImpl> {
  loading ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE)).then((webCrypto) => ({ ...webCrypto, hash: syncSha256, kdf: syncHkdfSha256 }));
  return loading;
}
