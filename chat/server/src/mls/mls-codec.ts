/**
 * Decoding what devices send: base64url of one TLS-encoded MLSMessage of an expected wire
 * format, with nothing after it (trailing bytes would let two different byte strings mean
 * the same message). Also the two facts the Delivery Service reads out of leaves: the
 * device id a Basic credential names, and which device sits at which leaf.
 */
import { decodeMlsMessage, type Credential, type MLSMessage, type RatchetTree } from 'ts-mls';
import { fromBase64Url } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import { chatErrors } from '../errors.ts';

export type WireFormat = MLSMessage['wireformat'];
export type MlsMessageOf<W extends WireFormat> = Extract<MLSMessage, { wireformat: W }>;

const DEVICE_ID = /^[0-9]{1,20}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The message, or undefined when `bytes` is not exactly one MLSMessage (version mls10). */
export function decodeMessage(bytes: Uint8Array): MLSMessage | undefined {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (!decoded || decoded[1] !== bytes.length || decoded[0].version !== 'mls10') return undefined;
    return decoded[0];
  } catch {
    return undefined;
  }
}

/** Decodes base64url MLSMessage bytes of one wire format; anything else is `mls_invalid_message` naming `what`. */
export function decodeMlsBytes<W extends WireFormat>(text: string, wireformat: W, what: string): { message: MlsMessageOf<W>; bytes: Uint8Array } {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text);
  } catch {
    throw new AppError(chatErrors.mls_invalid_message, `${what} is not valid base64url.`);
  }
  const message = decodeMessage(bytes);
  if (!message) throw new AppError(chatErrors.mls_invalid_message, `${what} is not one MLSMessage (RFC 9420 §6, version mls10).`);
  if (message.wireformat !== wireformat) throw new AppError(chatErrors.mls_invalid_message, `${what} must have wire format ${wireformat}, not ${message.wireformat}.`);
  return { message: message as MlsMessageOf<W>, bytes };
}

/** The device id a leaf's Basic credential names, or undefined when it names none. */
export function credentialDeviceId(credential: Credential): string | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  try {
    const id = utf8.decode(credential.identity);
    return DEVICE_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface TreeLeaf {
  readonly leafIndex: number;
  /** From the credential; undefined for a leaf whose credential names no device (never accepted, but decoded trees are untrusted). */
  readonly deviceId: string | undefined;
  readonly signatureKey: Uint8Array;
}

/** The non-blank leaves of a ratchet tree (leaf i is node 2i), in leaf order. */
export function leavesOf(tree: RatchetTree): TreeLeaf[] {
  const leaves: TreeLeaf[] = [];
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType !== 'leaf') continue;
    leaves.push({ leafIndex: nodeIndex / 2, deviceId: credentialDeviceId(node.leaf.credential), signatureKey: node.leaf.signaturePublicKey });
  }
  return leaves;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
