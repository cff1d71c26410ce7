/**
 * The key rules every blob store enforces, and the helpers both implementations share
 * (range checks, list limits, byte-order comparison). The rules are those of the
 * strictest engine, so a key that works on the local store works on S3 and back: a
 * `/`-separated relative path whose segments are real names, never `.`/`..`, so the
 * local store can map keys to paths without any way out of its root.
 */
import { InvalidBlobKeyError } from './errors.ts';

/** S3's limit on a key, in UTF-8 bytes. */
export const maxKeyBytes = 1024;

/** What `put` stores when no content type is given, so head and get always report one. */
export const defaultContentType = 'application/octet-stream';

/** Page size of `list` when none is given, and the most one page may hold (S3's limit). */
export const defaultListLimit = 1000;

/** Throws InvalidBlobKeyError unless `key` is a valid blob key. */
export function assertValidKey(key: string): void {
  const reason = keyProblem(key);
  if (reason) throw new InvalidBlobKeyError(String(key), reason);
}

/**
 * Throws InvalidBlobKeyError unless `prefix` is '' or the start of some valid key. The
 * last segment may be partial ('videos/12' matches 'videos/123/…'); every complete
 * segment must obey the key rules.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  // A prefix is valid exactly when extending its last segment yields a valid key.
  const reason = typeof prefix === 'string' ? keyProblem(`${prefix}x`) : 'must be a string';
  if (reason) throw new InvalidBlobKeyError(String(prefix), reason);
}

function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'must be a string';
  if (key === '') return 'must not be empty';
  if (key.includes('\0')) return 'must not contain NUL';
  if (key.includes('\\')) return 'must not contain a backslash';
  if (key.startsWith('/')) return 'must be relative (no leading /)';
  if (Buffer.byteLength(key) > maxKeyBytes) return `must be at most ${maxKeyBytes} bytes`;
  for (const segment of key.split('/')) {
    if (segment === '') return 'must not have empty segments (// or a trailing /)';
    if (segment === '.' || segment === '..') return 'must not have . or .. segments';
  }
  return undefined;
}

/** An inclusive byte range as callers ask for it: `end` absent means "to the end". */
export interface RequestedRange {
  readonly start: number;
  readonly end?: number;
}

/** Throws a RangeError for a malformed range: a caller bug, unlike an unsatisfiable one. */
export function assertWellFormedRange(range: RequestedRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range start must be a non-negative integer, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`range end must be an integer ≥ start (${start}), got ${end}`);
  }
}

/** Checks a list page size: 1…1000, default 1000. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultListLimit;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > defaultListLimit) {
    throw new RangeError(`list limit must be an integer from 1 to ${defaultListLimit}, got ${limit}`);
  }
  return limit;
}

/** Orders keys by their UTF-8 bytes, as S3 lists them (JS `<` compares UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
