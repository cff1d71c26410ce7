/**
 * The pass-through an upload streams through on its way to the blob store: it counts
 * the bytes and fails the stream the moment they pass the limit (so a body without
 * Content-Length, or one that lies about it, is cut off after `maxBytes + 1` bytes,
 * never buffered), and hashes them (SHA-256) so the uploader can check that the server
 * stored exactly the ciphertext it sent. An empty body fails too: even an empty file
 * encrypts to a header and one authentication tag.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError, platformErrors } from '@twin/platform';
import { chatErrors } from '../errors.ts';

export class CiphertextMeter extends Transform {
  readonly #maxBytes: number;
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  constructor(maxBytes: number) {
    super();
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** base64url SHA-256 of everything that passed; set once the stream ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('the upload has not ended');
    return this.#digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) {
      callback(tooLarge(this.#maxBytes));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#bytes === 0) {
      callback(new AppError(chatErrors.attachment_empty));
      return;
    }
    this.#digest = this.#hash.digest('base64url');
    callback();
  }
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError(platformErrors.payload_too_large, `An attachment may be at most ${maxBytes} bytes of ciphertext (CHAT_ATTACHMENT_MAX_BYTES).`, {
    details: { maxBytes },
  });
}
