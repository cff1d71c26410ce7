/**
 * The in-process cache: the embedded default for one node. Keys live in a Map and expire
 * lazily on access, with a periodic sweep (an unref'd timer, so it never keeps the process
 * alive) reclaiming keys nobody reads again. Mirrors Redis semantics where callers could
 * notice: SET replaces the TTL, INCR keeps it, emptied sorted sets vanish, wrong-kind
 * access rejects with WRONGTYPE, and pub/sub delivers on a later turn, never inside publish.
 */
import { checkBucket, checkCount, checkIncrement, checkRanks, checkScore, checkScoreRange, checkTtl } from './arguments.ts';
import type {
  Cache,
  FirstSeenEvent,
  IncrOptions,
  MessageHandler,
  ScoredMember,
  ScoreRange,
  SetOptions,
  TokenBucket,
  TokenTake,
  Unsubscribe,
} from './interface.ts';
import { MarkerTable } from './memory-markers.ts';
import { SortedSet } from './memory-sorted-set.ts';
import { drawTokens, type BucketState } from './token-bucket.ts';

type Entry =
  | { kind: 'string'; value: string; expiresAt: number }
  | { kind: 'zset'; zset: SortedSet; expiresAt: number }
  | { kind: 'bucket'; bucket: BucketState; expiresAt: number };

interface Subscription {
  readonly handler: MessageHandler;
}

const WRONG_TYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** Monotonic, so TTLs and buckets ignore wall-clock jumps; state never leaves the process. */
const now = () => performance.now();

/**
 * Keys and channels, stored with their prefixes. Several caches given one state behave
 * like several connections to one Redis: each sees only its own prefix.
 */
export class MemoryCacheState {
  readonly entries = new Map<string, Entry>();
  /**
   * The markers `countFirstSeen` sets, kept apart from `entries` (see memory-markers.ts). A
   * key is in one of the two at most: any other command reaching a marker's key moves it
   * into `entries` first, as the string '1' it stands for.
   */
  readonly markers = new MarkerTable();
  readonly channels = new Map<string, Set<Subscription>>();
}

export interface MemoryCacheOptions {
  /** Prepended to every key and channel. */
  keyPrefix?: string;
  /** Share keys and channels with other memory caches; default a fresh state. */
  state?: MemoryCacheState;
  /** How often expired keys are swept; default 1000 ms. */
  sweepIntervalMs?: number;
  /** Where a throwing subscriber's error goes (it never reaches the publisher); default console.error. */
  onHandlerError?: (error: unknown, channel: string) => void;
}

export class MemoryCache implements Cache {
  readonly shared = false;
  readonly #prefix: string;
  readonly #state: MemoryCacheState;
  readonly #sweep: NodeJS.Timeout;
  readonly #subscriptions = new Map<Subscription, string>();
  readonly #onHandlerError: (error: unknown, channel: string) => void;

  constructor(options: MemoryCacheOptions = {}) {
    this.#prefix = options.keyPrefix ?? '';
    this.#state = options.state ?? new MemoryCacheState();
    this.#onHandlerError = options.onHandlerError ?? ((error, channel) => console.error(`cache subscriber on ${channel} threw`, error));
    this.#sweep = setInterval(() => this.#sweepExpired(), options.sweepIntervalMs ?? 1000);
    this.#sweep.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.#string(key)?.value ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    // Like MGET: a key of another kind reads as absent instead of failing the batch.
    return keys.map((key) => {
      const entry = this.#live(key);
      return entry?.kind === 'string' ? entry.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    checkTtl(options.ttlMs);
    if (options.onlyIfAbsent && this.#live(key)) return false;
    const fullKey = this.#prefix + key;
    this.#state.markers.delete(fullKey);
    this.#state.entries.set(fullKey, { kind: 'string', value, expiresAt: expiry(options.ttlMs) });
    return true;
  }

  async delete(...keys: string[]): Promise<number> {
    let removed = 0;
    for (const key of new Set(keys)) {
      if (this.#live(key)) removed++;
      this.#state.entries.delete(this.#prefix + key);
    }
    return removed;
  }

  async incr(key: string, by = 1, options: IncrOptions = {}): Promise<number> {
    checkIncrement(by);
    checkTtl(options.ttlMs);
    const entry = this.#string(key);
    if (entry && !/^-?\d+$/.test(entry.value)) throw new Error('ERR value is not an integer or out of range');
    const value = Number(entry?.value ?? 0) + by;
    if (!Number.isSafeInteger(value)) throw new Error('ERR increment or decrement would overflow');
    if (entry) entry.value = String(value);
    else this.#state.entries.set(this.#prefix + key, { kind: 'string', value: String(value), expiresAt: expiry(options.ttlMs) });
    return value;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) return false;
    entry.expiresAt = now() + ttlMs;
    return true;
  }

  async takeToken(bucketKey: string, bucket: TokenBucket): Promise<TokenTake> {
    const checked = checkBucket(bucket);
    const entry = this.#live(bucketKey);
    if (entry && entry.kind !== 'bucket') throw new Error(WRONG_TYPE);
    const at = now();
    const { state, take } = drawTokens(entry?.bucket, checked, at);
    // Keep the bucket only until it would be full again: after that it equals a new one.
    const expiresAt = at + Math.max(take.resetMs, 1);
    this.#state.entries.set(this.#prefix + bucketKey, { kind: 'bucket', bucket: state, expiresAt });
    return take;
  }

  async zadd(key: string, members: readonly ScoredMember[]): Promise<number> {
    for (const { score } of members) checkScore(score);
    if (members.length === 0) return 0;
    return this.#zset(key, true).setScores(members);
  }

  async zincrby(key: string, member: string, by: number): Promise<number> {
    checkScore(by);
    const zset = this.#zset(key, true);
    if (Number.isNaN((zset.score(member) ?? 0) + by)) throw new Error('ERR resulting score is not a number (NaN)');
    return zset.increment(member, by);
  }

  async countFirstSeen(counterKey: string, events: readonly FirstSeenEvent[], options: { ttlMs: number }): Promise<boolean[]> {
    checkTtl(options.ttlMs);
    if (events.length === 0) return [];
    const zset = this.#zset(counterKey, true);
    const at = now();
    const expiresAt = at + options.ttlMs;
    const { entries, markers } = this.#state;
    const counts = new Map<string, number>();
    // The hot path of write-behind counters: one clock read, one marker per event, one sorted-set write per batch.
    const counted = events.map(({ markerKey, member }) => {
      const fullKey = this.#prefix + markerKey;
      // A key set another way (or a marker moved there) stands in the way, as for SET NX.
      const existing = entries.get(fullKey);
      if (existing && existing.expiresAt > at) return false;
      if (existing) entries.delete(fullKey);
      if (!markers.addIfAbsent(fullKey, at, expiresAt)) return false;
      counts.set(member, (counts.get(member) ?? 0) + 1);
      return true;
    });
    if (counts.size > 0) zset.incrementMany([...counts].map(([member, score]) => ({ member, score })));
    else this.#dropIfEmpty(counterKey, zset);
    return counted;
  }

  async zincrbyMany(key: string, increments: readonly ScoredMember[]): Promise<number[]> {
    for (const { score } of increments) checkScore(score);
    if (increments.length === 0) return [];
    return this.#zset(key, true).incrementMany(increments);
  }

  async zpopmax(key: string, count: number): Promise<ScoredMember[]> {
    checkCount(count);
    const zset = this.#zset(key, false);
    if (!zset) return [];
    const popped = zset.rangeByRankDesc(0, count - 1);
    zset.remove(popped.map((m) => m.member));
    this.#dropIfEmpty(key, zset);
    return popped;
  }

  async zscore(key: string, member: string): Promise<number | null> {
    return this.#zset(key, false)?.score(member) ?? null;
  }

  async zcard(key: string): Promise<number> {
    return this.#zset(key, false)?.size ?? 0;
  }

  async zrem(key: string, ...members: string[]): Promise<number> {
    const zset = this.#zset(key, false);
    if (!zset) return 0;
    const removed = zset.remove(members);
    this.#dropIfEmpty(key, zset);
    return removed;
  }

  async zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    checkRanks(start, stop);
    return this.#zset(key, false)?.rangeByRankDesc(start, stop) ?? [];
  }

  async zrangeByScoreDesc(key: string, range: ScoreRange): Promise<ScoredMember[]> {
    const { min, max, offset, limit } = checkScoreRange(range);
    return this.#zset(key, false)?.rangeByScoreDesc(min, max, offset, limit) ?? [];
  }

  async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
    checkScore(min);
    checkScore(max);
    const zset = this.#zset(key, false);
    if (!zset) return 0;
    const removed = zset.removeByScore(min, max);
    this.#dropIfEmpty(key, zset);
    return removed;
  }

  async publish(channel: string, message: string): Promise<void> {
    const subscriptions = this.#state.channels.get(this.#prefix + channel);
    if (!subscriptions) return;
    const recipients = [...subscriptions];
    // Deliver on a later turn, as a network round trip would: publishers must not depend
    // on handlers having run when publish resolves, and a handler must not re-enter them.
    setImmediate(() => {
      for (const subscription of recipients) {
        // Skip subscriptions that ended after the publish: unsubscribe means no more messages.
        if (!subscriptions.has(subscription)) continue;
        try {
          subscription.handler(message);
        } catch (error) {
          this.#onHandlerError(error, channel);
        }
      }
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const fullChannel = this.#prefix + channel;
    const subscription: Subscription = { handler };
    let subscriptions = this.#state.channels.get(fullChannel);
    if (!subscriptions) this.#state.channels.set(fullChannel, (subscriptions = new Set()));
    subscriptions.add(subscription);
    this.#subscriptions.set(subscription, fullChannel);
    return async () => this.#unsubscribe(subscription);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    // Like a closed Redis connection: this cache's subscriptions end, the shared state stays.
    for (const subscription of [...this.#subscriptions.keys()]) this.#unsubscribe(subscription);
  }

  #unsubscribe(subscription: Subscription): void {
    const fullChannel = this.#subscriptions.get(subscription);
    if (fullChannel === undefined) return;
    this.#subscriptions.delete(subscription);
    const subscriptions = this.#state.channels.get(fullChannel);
    subscriptions?.delete(subscription);
    if (subscriptions?.size === 0) this.#state.channels.delete(fullChannel);
  }

  /** The entry at `key` unless it has expired (then it is removed); a live marker there becomes an entry. */
  #live(key: string): Entry | undefined {
    const fullKey = this.#prefix + key;
    const { entries, markers } = this.#state;
    const entry = entries.get(fullKey);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(fullKey);
      return undefined;
    }
    if (entry) return entry;
    const markerExpiresAt = markers.take(fullKey, now());
    if (markerExpiresAt === undefined) return undefined;
    const promoted: Entry = { kind: 'string', value: '1', expiresAt: markerExpiresAt };
    entries.set(fullKey, promoted);
    return promoted;
  }

  #string(key: string): Extract<Entry, { kind: 'string' }> | undefined {
    const entry = this.#live(key);
    if (entry && entry.kind !== 'string') throw new Error(WRONG_TYPE);
    return entry;
  }

  #zset(key: string, create: true): SortedSet;
  #zset(key: string, create: false): SortedSet | undefined;
  #zset(key: string, create: boolean): SortedSet | undefined {
    const entry = this.#live(key);
    if (entry && entry.kind !== 'zset') throw new Error(WRONG_TYPE);
    if (entry || !create) return entry?.zset;
    const zset = new SortedSet();
    this.#state.entries.set(this.#prefix + key, { kind: 'zset', zset, expiresAt: Infinity });
    return zset;
  }

  #dropIfEmpty(key: string, zset: SortedSet): void {
    if (zset.size === 0) this.#state.entries.delete(this.#prefix + key);
  }

  #sweepExpired(): void {
    const at = now();
    for (const [fullKey, entry] of this.#state.entries) {
      if (entry.expiresAt <= at) this.#state.entries.delete(fullKey);
    }
    this.#state.markers.sweep(at);
  }
}

function expiry(ttlMs: number | undefined): number {
  return ttlMs === undefined ? Infinity : now() + ttlMs;
}
