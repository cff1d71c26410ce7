/**
 * What an MLS application message carries: the entry the app meant to send — its kind
 * (`message`, `reaction`, …) and its ordinary wire body — so the log shows the server only
 * `kind: 'mls'` and ciphertext, and the receiver gets back exactly what a plaintext entry
 * would have held.
 */
import { MlsEngineError } from './errors.ts';

export interface InnerBody {
  readonly kind: string;
  /** base64url wire body, as in a plaintext entry. */
  readonly body: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeInnerBody(inner: InnerBody): Uint8Array {
  return utf8.encode(JSON.stringify({ k: inner.kind, b: inner.body }));
}

export function decodeInnerBody(bytes: Uint8Array): InnerBody {
  try {
    const value = JSON.parse(fromUtf8.decode(bytes)) as { k?: unknown; b?: unknown };
    if (typeof value.k === 'string' && typeof value.b === 'string') return { kind: value.k, body: value.b };
  } catch {
    // falls through to the error below
  }
  throw new MlsEngineError('mls_malformed', 'the decrypted message is not an entry body');
}
