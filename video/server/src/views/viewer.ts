/**
 * Who a view belongs to, for deduplication: the account when signed in, otherwise a
 * salted HMAC of the client IP and the player's anonymous id. The salt is random, lives
 * only in the cache (shared by every node through Redis) and changes every UTC day, so
 * neither the cache nor a token ever holds an IP, and yesterday's hashes cannot be
 * linked to today's (the approach of privacy-first analytics such as Plausible). The
 * price: a viewer watching across midnight may count twice, once per day.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Cache } from '@twin/platform/cache';
import type { AccountId } from '../ids.ts';

const DAY_MS = 86_400_000;
/** A day's salt outlives its day a little, so play tokens issued just before midnight still verify. */
const SALT_TTL_MS = 2 * DAY_MS;
const saltKey = (day: number) => `video:views:salt:${day}`;

export interface ViewerInput {
  accountId?: AccountId | undefined;
  ip: string;
  /** The player's random id (kept in local storage), so viewers sharing one IP (NAT) count apart. */
  anonymousId?: string | undefined;
}

export class ViewerIdentity {
  readonly #cache: Cache;
  readonly #salts = new Map<number, Promise<Buffer>>();

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  /** `a<account id>` or `h<base64url hash>`: short, and never the IP itself. */
  async viewerKey(input: ViewerInput, now = Date.now()): Promise<string> {
    if (input.accountId) return `a${input.accountId}`;
    const salt = await this.#salt(Math.floor(now / DAY_MS));
    const hash = createHmac('sha256', salt).update(input.ip).update('\0').update(input.anonymousId ?? '').digest();
    return `h${hash.subarray(0, 16).toString('base64url')}`;
  }

  #salt(day: number): Promise<Buffer> {
    let salt = this.#salts.get(day);
    if (!salt) {
      salt = this.#loadSalt(day);
      salt.catch(() => this.#salts.delete(day));
      this.#salts.set(day, salt);
      for (const known of this.#salts.keys()) if (known < day - 1) this.#salts.delete(known);
    }
    return salt;
  }

  /** The day's salt: the first node to ask creates it (SET NX), every other one reads that. */
  async #loadSalt(day: number): Promise<Buffer> {
    await this.#cache.set(saltKey(day), randomBytes(32).toString('base64url'), { onlyIfAbsent: true, ttlMs: SALT_TTL_MS });
    const stored = await this.#cache.get(saltKey(day));
    if (!stored) throw new Error('view salt vanished from the cache');
    return Buffer.from(stored, 'base64url');
  }
}
