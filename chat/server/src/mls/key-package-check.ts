/**
 * What the key directory checks before it stores a key package (RFC 9420 §10.1): it is a
 * KeyPackage of the one suite whose KeyPackage and LeafNode signatures verify, whose init
 * key differs from its leaf key, whose lifetime covers now, whose capabilities include the
 * suite and Basic credentials — and whose leaf is bound to the uploading device: the
 * signature key IS the device's registered Ed25519 identity key and the Basic credential's
 * identity is the device id. That binding is what later lets the commit gate tell which
 * device sits at each leaf, so a member cannot impersonate another device.
 */
import { MLS_CIPHER_SUITE } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import type { CiphersuiteImpl, KeyPackage } from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { chatErrors } from '../errors.ts';
import { credentialDeviceId, decodeMlsBytes, equalBytes, toHex } from './mls-codec.ts';

export interface CheckedKeyPackage {
  /** Hex of the KeyPackageRef (RFC 9420 §5.2): what a Welcome names the package by. */
  readonly ref: string;
  readonly keyPackage: KeyPackage;
  /** The MLSMessage bytes as uploaded (what a claimer gets back). */
  readonly bytes: Uint8Array;
}

export interface BoundDevice {
  readonly deviceId: string;
  /** Raw 32-byte Ed25519 identity key. */
  readonly identityKey: Uint8Array;
}

const invalid = (message: string) => new AppError(chatErrors.mls_invalid_key_package, message);

/** Decodes and checks one uploaded key package (base64url MLSMessage); throws the precise 4xx. */
export async function checkKeyPackage(text: string, device: BoundDevice, cs: CiphersuiteImpl, nowMs: number): Promise<CheckedKeyPackage> {
  const { message, bytes } = decodeMlsBytes(text, 'mls_key_package', 'A key package');
  const keyPackage = message.keyPackage;
  const leaf = keyPackage.leafNode;
  if (keyPackage.cipherSuite !== MLS_CIPHER_SUITE) throw invalid(`Key packages must use ${MLS_CIPHER_SUITE}, not ${keyPackage.cipherSuite}.`);
  if (leaf.leafNodeSource !== 'key_package') throw invalid('The leaf node of a key package must have source key_package.');
  // The binding first: a package for another identity is refused whatever else it holds.
  if (!equalBytes(leaf.signaturePublicKey, device.identityKey)) {
    throw new AppError(chatErrors.mls_identity_mismatch, 'The leaf signature key must be this device’s registered identity key.');
  }
  if (credentialDeviceId(leaf.credential) !== device.deviceId) {
    throw new AppError(chatErrors.mls_identity_mismatch, 'The leaf must carry a Basic credential whose identity is this device’s id.');
  }
  if (!(await verifyKeyPackage(keyPackage, cs.signature))) throw invalid('The KeyPackage signature does not verify.');
  if (!(await verifyLeafNodeSignatureKeyPackage(leaf, cs.signature))) throw invalid('The LeafNode signature does not verify.');
  if (equalBytes(keyPackage.initKey, leaf.hpkePublicKey)) throw invalid('The init key must differ from the leaf encryption key (RFC 9420 §10.1).');
  const now = BigInt(Math.floor(nowMs / 1000));
  if (leaf.lifetime.notBefore > now || leaf.lifetime.notAfter < now) throw invalid('The key package’s lifetime does not cover the present.');
  if (!leaf.capabilities.ciphersuites.includes(MLS_CIPHER_SUITE) || !leaf.capabilities.credentials.includes('basic')) {
    throw invalid(`The leaf capabilities must list ${MLS_CIPHER_SUITE} and Basic credentials.`);
  }
  return { ref: toHex(await makeKeyPackageRef(keyPackage, cs.hash)), keyPackage, bytes };
}
