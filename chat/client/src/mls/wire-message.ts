/**
 * Reading MLS messages off the wire for the engine: strict decoding (one whole MLSMessage
 * of MLS 1.0, or a precise `mls_malformed`), the epoch rule, and the mapping of ts-mls
 * failures on hostile input to the engine's error codes.
 */
import { decodeMlsMessage, type KeyPackage, type MLSMessage } from 'ts-mls';
import { CIPHER_SUITE } from './cipher-suite.ts';
import { MlsEngineError, type MlsErrorCode } from './errors.ts';

export interface MessageDescription {
  readonly wireformat: 'commit' | 'application' | 'other';
  readonly groupId: string;
  readonly epoch: number;
}

const fromUtf8 = new TextDecoder();

export function describeMessage(bytes: Uint8Array): MessageDescription | undefined {
  let message: MLSMessage;
  try {
    message = decodeMessage(bytes);
  } catch {
    return undefined;
  }
  if (message.wireformat === 'mls_public_message') {
    const content = message.publicMessage.content;
    return { wireformat: content.contentType === 'commit' ? 'commit' : 'other', groupId: fromUtf8.decode(content.groupId), epoch: Number(content.epoch) };
  }
  if (message.wireformat === 'mls_private_message') {
    const pm = message.privateMessage;
    return { wireformat: pm.contentType === 'application' ? 'application' : 'other', groupId: fromUtf8.decode(pm.groupId), epoch: Number(pm.epoch) };
  }
  return undefined;
}

export function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (error) {
    throw new MlsEngineError('mls_malformed', 'not an MLS message', { cause: error });
  }
  if (!decoded || decoded[1] !== bytes.length) throw new MlsEngineError('mls_malformed', 'not an MLS message');
  if (decoded[0].version !== 'mls10') throw new MlsEngineError('mls_malformed', `unsupported MLS version ${decoded[0].version}`);
  return decoded[0];
}

export function decodeKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  const message = decodeMessage(bytes);
  const keyPackage = message.wireformat === 'mls_key_package' ? message.keyPackage : undefined;
  if (!keyPackage) throw new MlsEngineError('mls_invalid_key_package', `expected an mls_key_package, got ${message.wireformat}`);
  if (keyPackage.cipherSuite !== CIPHER_SUITE) throw new MlsEngineError('mls_invalid_key_package', `key package for ${keyPackage.cipherSuite}, groups use ${CIPHER_SUITE}`);
  return keyPackage;
}

/** Epochs in order: an older one is a replay or was superseded, a newer one means a commit was missed. */
export function checkEpoch(epoch: bigint, current: bigint, groupId: string): void {
  if (epoch < current) throw new MlsEngineError('mls_stale_epoch', `group ${groupId} is at epoch ${current}, the message is for ${epoch}`);
  if (epoch > current) throw new MlsEngineError('mls_future_epoch', `group ${groupId} is at epoch ${current}, the message is for ${epoch}`);
}

/**
 * Maps a ts-mls failure on input from the network to an engine error. A consumed
 * generation ("Desired gen in the past", ts-mls 1.6 secretTree.ts) is a replay.
 */
export function wrapLibraryError(error: unknown, fallback: MlsErrorCode): MlsEngineError {
  if (error instanceof MlsEngineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Desired gen in the past') return new MlsEngineError('mls_replay', 'this message was already decrypted (its key is used up)', { cause: error });
  return new MlsEngineError(fallback, message, { cause: error });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
