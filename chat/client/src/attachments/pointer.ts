/**
 * The attachment pointer: what the sender puts inside the (MLS-encrypted) message so a
 * recipient can fetch, verify and decrypt the file. It carries the key, so it must
 * never travel outside end-to-end encryption. `parsePointer` checks a pointer read from
 * a message before the SDK acts on it (a malformed one is the sender's bug or malice).
 */
import { fromBase64Url } from '@twin/chat-protocol';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './format.ts';

export interface AttachmentPointer {
  /** Format version. */
  readonly v: 1;
  /** The server's attachment id (download with GET /v1/attachments/:id). */
  readonly id: string;
  /** The raw AES-256-GCM key, base64url (32 bytes). */
  readonly key: string;
  /** SHA-256 of the whole ciphertext, base64url. */
  readonly sha256: string;
  /** Ciphertext bytes. */
  readonly size: number;
  /** Plaintext bytes (for the app's UI; the ciphertext determines it). */
  readonly plainSize: number;
  /** Plaintext bytes per chunk. */
  readonly chunkSize: number;
  /** Media type of the plaintext, as the sender stated it. */
  readonly mime?: string;
  /** File name, as the sender stated it. */
  readonly name?: string;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function bytesOf(text: unknown, length: number, field: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = typeof text === 'string' ? fromBase64Url(text) : undefined;
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== length) throw new TypeError(`attachment pointer: ${field} must be ${length} bytes in base64url`);
  return bytes;
}

/** Checks an untrusted value (e.g. parsed from a message) and returns it as a pointer; throws TypeError otherwise. */
export function parsePointer(value: unknown): AttachmentPointer {
  const p = value as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null || p.v !== 1) throw new TypeError('attachment pointer: not a version 1 pointer');
  if (typeof p.id !== 'string' || !/^[0-9]{1,20}$/.test(p.id)) throw new TypeError('attachment pointer: id must be a decimal id');
  bytesOf(p.key, 32, 'key');
  bytesOf(p.sha256, 32, 'sha256');
  if (!isCount(p.size) || !isCount(p.plainSize)) throw new TypeError('attachment pointer: size and plainSize must be byte counts');
  if (!isCount(p.chunkSize) || p.chunkSize < MIN_CHUNK_SIZE || p.chunkSize > MAX_CHUNK_SIZE) throw new TypeError('attachment pointer: chunkSize out of range');
  for (const field of ['mime', 'name'] as const) {
    if (p[field] !== undefined && (typeof p[field] !== 'string' || (p[field] as string).length > 1024)) throw new TypeError(`attachment pointer: ${field} must be a short string`);
  }
  return {
    v: 1,
    id: p.id,
    key: p.key as string,
    sha256: p.sha256 as string,
    size: p.size,
    plainSize: p.plainSize,
    chunkSize: p.chunkSize,
    ...(p.mime !== undefined ? { mime: p.mime as string } : {}),
    ...(p.name !== undefined ? { name: p.name as string } : {}),
  };
}
