/**
 * The one place message bodies are encoded. Today a `message` body is the UTF-8 bytes of
 * its text; the end-to-end encryption issue swaps these two functions for MLS
 * encrypt/decrypt without touching the transport, which only ever sees base64url bytes.
 */
import { fromBase64Url, MAX_BODY_BYTES, toBase64Url } from '@twin/chat-protocol';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Text → wire body (base64url). Throws when the encoded body exceeds MAX_BODY_BYTES. */
export function encodeTextBody(text: string): string {
  return encodeBytesBody(encoder.encode(text));
}

/** Wire body → text (invalid UTF-8 is replaced, never thrown: the bytes came from another device). */
export function decodeTextBody(body: string): string {
  return decoder.decode(fromBase64Url(body));
}

/** Raw bytes → wire body, checking the size limit before a round trip. */
export function encodeBytesBody(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_BODY_BYTES) throw new BodyTooLargeError(bytes.byteLength);
  return toBase64Url(bytes);
}

export class BodyTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(bytes: number) {
    super(`message body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`);
    this.name = 'BodyTooLargeError';
  }
}
