/**
 * The encrypted attachment format: the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015)
 * over AES-256-GCM, as Tink's streaming AEAD and age use it.
 *
 *     header  = "TWA1" ‖ chunkSize (u32 BE) ‖ noncePrefix (7 random bytes) ‖ 0x00   (16 bytes)
 *     chunk i = AES-256-GCM(key, nonce = noncePrefix ‖ i (u32 BE) ‖ last (0x00 | 0x01),
 *                           aad = header, plaintext chunk i)                      (≤ chunkSize + 16)
 *
 * Why this construction: every chunk is authenticated on its own, so a reader releases
 * plaintext chunk by chunk without holding the file; the chunk index in the nonce makes a
 * reordered or dropped chunk fail authentication (it is decrypted under another nonce);
 * the last-chunk flag makes a truncation at a chunk boundary fail (the new last chunk was
 * sealed with flag 0) and an appended chunk fail (nothing may follow flag 1); the header
 * as additional data binds the chunk size and the prefix, so neither can be edited.
 * Putting index and flag in the nonce rather than only in the additional data gives each
 * chunk a distinct nonce by construction (no counter can repeat under one key), which is
 * what GCM's security rests on. The key is fresh per attachment, so the random prefix is
 * defence in depth, not a requirement. All chunks but the last are exactly `chunkSize`
 * plaintext bytes; the last holds 0 to `chunkSize` (an empty file is one empty last chunk).
 */

export const MAGIC = [0x54, 0x57, 0x41, 0x31]; // "TWA1"
export const HEADER_BYTES = 16;
export const TAG_BYTES = 16;
export const NONCE_PREFIX_BYTES = 7;
/** 64 KiB: big enough that the 16-byte tag and the per-call cost of WebCrypto are noise, small enough to stream. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;
/** The index is a u32 in the nonce. */
export const MAX_CHUNKS = 2 ** 32;

export interface AttachmentHeader {
  readonly chunkSize: number;
  readonly noncePrefix: Uint8Array;
  /** The 16 header bytes as written: the additional data of every chunk. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

export function createHeader(chunkSize: number, noncePrefix: Uint8Array): AttachmentHeader {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new RangeError(`the nonce prefix must be ${NONCE_PREFIX_BYTES} bytes`);
  const bytes = new Uint8Array(HEADER_BYTES);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(4, chunkSize);
  bytes.set(noncePrefix, 8);
  return { chunkSize, noncePrefix: bytes.slice(8, 15), bytes };
}

/** Parses and checks a header; returns undefined for anything that is not one. */
export function parseHeader(bytes: Uint8Array): AttachmentHeader | undefined {
  if (bytes.length !== HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b) || bytes[15] !== 0) return undefined;
  const chunkSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) return undefined;
  return { chunkSize, noncePrefix: bytes.slice(8, 15), bytes: bytes.slice() };
}

export function chunkNonce(header: AttachmentHeader, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  if (index >= MAX_CHUNKS) throw new RangeError('the attachment has too many chunks');
  const nonce = new Uint8Array(12);
  nonce.set(header.noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Ciphertext bytes for `plainSize` plaintext bytes. */
export function ciphertextSize(plainSize: number, chunkSize: number): number {
  const chunks = Math.max(1, Math.ceil(plainSize / chunkSize));
  return HEADER_BYTES + plainSize + chunks * TAG_BYTES;
}
