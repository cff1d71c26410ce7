/**
 * Encryption and decryption of an attachment as Web Streams (WebCrypto AES-256-GCM, in
 * Node and browsers alike), in the format of `format.ts`. Both hold at most two chunks
 * whatever the file's size, and respect backpressure: a chunk is sealed or opened only
 * when the reader wants more.
 *
 * Decryption releases each chunk once its GCM tag verified, and checks the SHA-256 and
 * size of the whole ciphertext against the pointer before it releases the last chunk
 * and closes: a reader that treats a stream error as failure never acts on a damaged
 * file. Per-chunk authentication already rules out any change by whoever lacks the key
 * (the server); the digest pins the exact ciphertext the sender announced in the MLS
 * message, which GCM alone does not (it is not key-committing), and catches a
 * mismatched pointer with a clear error.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { FixedChunker } from './chunker.ts';
import { AttachmentIntegrityError } from './errors.ts';
import { chunkNonce, HEADER_BYTES, parseHeader, TAG_BYTES, type AttachmentHeader } from './format.ts';

const aesGcm = (header: AttachmentHeader, index: number, last: boolean) => ({ name: 'AES-GCM', iv: chunkNonce(header, index, last), additionalData: header.bytes, tagLength: 128 });

function asBytes(chunk: unknown): Uint8Array {
  if (!(chunk instanceof Uint8Array)) throw new TypeError('attachment streams carry Uint8Array chunks');
  return chunk;
}

/** Plaintext in, the header and the sealed chunks out. */
export function encryptStream(key: CryptoKey, header: AttachmentHeader): TransformStream<Uint8Array, Uint8Array> {
  const chunker = new FixedChunker(header.chunkSize);
  let index = 0;
  const seal = async (plain: Uint8Array<ArrayBuffer>, last: boolean) => new Uint8Array(await crypto.subtle.encrypt(aesGcm(header, index++, last), key, plain));
  return new TransformStream({
    start(controller) {
      controller.enqueue(header.bytes.slice());
    },
    async transform(chunk, controller) {
      for (const plain of chunker.push(asBytes(chunk))) controller.enqueue(await seal(plain, false));
    },
    async flush(controller) {
      controller.enqueue(await seal(chunker.end(), true));
    },
  });
}

/** What the ciphertext must match (from the attachment pointer). */
export interface CiphertextExpectation {
  readonly sha256: Uint8Array;
  readonly size: number;
  /** The plaintext chunk size the header must state, when known. */
  readonly chunkSize?: number;
}

/** Ciphertext in, verified plaintext out; errors with `AttachmentIntegrityError` on any mismatch. */
export function decryptStream(key: CryptoKey, expected: CiphertextExpectation): TransformStream<Uint8Array, Uint8Array> {
  const hash = sha256.create();
  const headerBytes = new Uint8Array(HEADER_BYTES);
  let headerFilled = 0;
  let header: AttachmentHeader | undefined;
  let chunker: FixedChunker | undefined;
  let size = 0;
  let index = 0;
  const open = async (sealed: Uint8Array<ArrayBuffer>, last: boolean) => {
    const at = index++;
    try {
      return new Uint8Array(await crypto.subtle.decrypt(aesGcm(header!, at, last), key, sealed));
    } catch {
      throw new AttachmentIntegrityError(
        'chunk_authentication',
        last ? `the last chunk (${at}) failed authentication: altered, truncated or extended` : `chunk ${at} failed authentication: altered, reordered or the wrong key`,
      );
    }
  };
  return new TransformStream({
    async transform(chunk, controller) {
      let bytes = asBytes(chunk);
      size += bytes.length;
      if (size > expected.size) throw new AttachmentIntegrityError('size_mismatch', `more than the ${expected.size} bytes the pointer announces`);
      hash.update(bytes);
      if (!header) {
        const n = Math.min(HEADER_BYTES - headerFilled, bytes.length);
        headerBytes.set(bytes.subarray(0, n), headerFilled);
        headerFilled += n;
        bytes = bytes.subarray(n);
        if (headerFilled < HEADER_BYTES) return;
        header = parseHeader(headerBytes);
        if (!header) throw new AttachmentIntegrityError('bad_header', 'the ciphertext does not start with a valid attachment header');
        if (expected.chunkSize !== undefined && header.chunkSize !== expected.chunkSize) {
          throw new AttachmentIntegrityError('bad_header', `the header states ${header.chunkSize}-byte chunks, the pointer ${expected.chunkSize}`);
        }
        chunker = new FixedChunker(header.chunkSize + TAG_BYTES);
      }
      for (const sealed of chunker!.push(bytes)) controller.enqueue(await open(sealed, false));
    },
    async flush(controller) {
      if (size !== expected.size) throw new AttachmentIntegrityError('size_mismatch', `${size} bytes, the pointer announces ${expected.size}`);
      if (!equalBytes(hash.digest(), expected.sha256)) throw new AttachmentIntegrityError('digest_mismatch', 'the SHA-256 of the ciphertext differs from the pointer’s');
      const last = chunker?.end();
      if (!last || last.length < TAG_BYTES) throw new AttachmentIntegrityError('truncated', 'the ciphertext ends inside a header or a tag');
      controller.enqueue(await open(last, true));
    },
  });
}

/** Counts and hashes the bytes passing through (the uploader's view of its ciphertext). */
export function digestTap(): { stream: TransformStream<Uint8Array, Uint8Array>; result(): { sha256: Uint8Array; size: number } } {
  const hash = sha256.create();
  let size = 0;
  let digest: Uint8Array | undefined;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      size += chunk.length;
      controller.enqueue(chunk);
    },
    flush() {
      digest = hash.digest();
    },
  });
  return {
    stream,
    result() {
      if (!digest) throw new Error('the stream has not ended');
      return { sha256: digest, size };
    },
  };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
