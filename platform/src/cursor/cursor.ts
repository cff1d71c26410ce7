/**
 * Opaque pagination cursors: base64url of `{"v":1,"s":scope,"k":[...sort key]}` followed
 * by an HMAC-SHA256 tag, so a client can hold a cursor but not forge or alter one, nor
 * replay a cursor from one listing against another (the scope is signed in).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, platformErrors } from '../errors.ts';

const VERSION = 1;
const TAG_BYTES = 16;
const MAX_CURSOR_LENGTH = 2048;

export type SortKey = (string | number)[];

export class CursorCodec {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = Buffer.from(secret);
  }

  /** A cursor for the listing `scope` (e.g. `channel-videos:123`) positioned after `key`. */
  encode(scope: string, key: SortKey): string {
    const body = Buffer.from(JSON.stringify({ v: VERSION, s: scope, k: key }));
    return `${body.toString('base64url')}.${this.#tag(body).toString('base64url')}`;
  }

  /** The sort key inside `cursor`; 400 `invalid_cursor` unless it is ours, intact and for `scope`. */
  decode(scope: string, cursor: string): SortKey {
    const invalid = (why: string) => new AppError(platformErrors.invalid_cursor, `The cursor is not valid: ${why}.`);
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('too long');
    const [bodyPart, tagPart, extra] = cursor.split('.');
    if (!bodyPart || !tagPart || extra !== undefined) throw invalid('malformed');
    const body = Buffer.from(bodyPart, 'base64url');
    const tag = Buffer.from(tagPart, 'base64url');
    if (tag.length !== TAG_BYTES || !timingSafeEqual(tag, this.#tag(body))) throw invalid('signature mismatch');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalid('malformed');
    }
    const { v, s, k } = (parsed ?? {}) as { v?: unknown; s?: unknown; k?: unknown };
    if (v !== VERSION) throw invalid('unsupported version');
    if (s !== scope) throw invalid('issued for another listing');
    if (!Array.isArray(k) || !k.every((part) => typeof part === 'string' || typeof part === 'number')) throw invalid('malformed key');
    return k;
  }

  #tag(body: Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest().subarray(0, TAG_BYTES);
  }
}
