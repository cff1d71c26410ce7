/**
 * The device's key packages (RFC 9420 §10): the public halves go to the server's key
 * directory, the private halves stay here until a Welcome names one. A batch package is
 * deleted once used (forward secrecy for the join); the last-resort package is kept,
 * because the server hands it out again whenever the batch runs dry.
 */
import { encodeMlsMessage, generateKeyPackageWithKey, type CiphersuiteImpl, type Credential, type KeyPackage, type PrivateKeyPackage, defaultCapabilities, defaultLifetime } from 'ts-mls';
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { MlsEngineError } from './errors.ts';
import { frame, unframe } from './frames.ts';

export interface HeldKeyPackage {
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
  readonly lastResort: boolean;
}

export interface SigningIdentity {
  readonly credential: Credential;
  readonly signKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export async function createKeyPackage(identity: SigningIdentity, cs: CiphersuiteImpl): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackageWithKey(identity.credential, defaultCapabilities(), defaultLifetime, [], { signKey: identity.signKey, publicKey: identity.publicKey }, cs);
}

/** The wire form the key directory stores: an MLSMessage of wire format mls_key_package. */
export function encodeKeyPackageMessage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage });
}

export async function keyPackageRef(keyPackage: KeyPackage, cs: CiphersuiteImpl): Promise<string> {
  return toHex(await makeKeyPackageRef(keyPackage, cs.hash));
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The signature key is the device identity key, restored from it; it is not saved again here. */
export function encodeHeldKeyPackage(held: HeldKeyPackage): Uint8Array {
  return frame([Uint8Array.of(held.lastResort ? 1 : 0), encodeKeyPackage(held.publicPackage), held.privatePackage.initPrivateKey, held.privatePackage.hpkePrivateKey]);
}

export function decodeHeldKeyPackage(bytes: Uint8Array, signaturePrivateKey: Uint8Array): HeldKeyPackage {
  const [flags, encoded, initPrivateKey, hpkePrivateKey] = unframe(bytes);
  const publicPackage = encoded && decodeKeyPackage(encoded, 0)?.[0];
  if (!flags || !publicPackage || !initPrivateKey || !hpkePrivateKey) throw new MlsEngineError('mls_corrupt_state', 'a saved key package does not decode');
  return { lastResort: flags[0] === 1, publicPackage, privatePackage: { initPrivateKey, hpkePrivateKey, signaturePrivateKey } };
}
