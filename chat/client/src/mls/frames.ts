/**
 * Length-prefixed framing for the engine's saved records: a list of byte strings, each
 * preceded by its length as a 32-bit big-endian integer. Small and strict: a length that
 * runs past the end is corrupt state, reported as such rather than read as garbage.
 */
import { MlsEngineError } from './errors.ts';

export function frame(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += 4 + part.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

export function unframe(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new MlsEngineError('mls_corrupt_state', 'truncated frame header');
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw new MlsEngineError('mls_corrupt_state', 'frame runs past the end');
    parts.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}
