/**
 * The cache seam: short-lived shared state that is not the record of truth. It backs
 * response caching, presence (last-seen scores), typing indicators (keys with a TTL),
 * counters (view counts), token-bucket rate limits, trending (sorted sets) and
 * cross-node fan-out (pub/sub). Two implementations: in-process memory for one node,
 * Redis when several nodes must see the same state.
 */

/** Options for {@link Cache.set}. */
export interface SetOptions {
  /** Time to live in milliseconds; without it the key lives until deleted or overwritten. */
  readonly ttlMs?: number;
  /** Write only when the key does not exist yet (Redis `SET NX`); a lock or a dedupe marker. */
  readonly onlyIfAbsent?: boolean;
}

/** Options for {@link Cache.incr}. */
export interface IncrOptions {
  /** TTL applied only when this call creates the key, so a window counter expires on schedule. */
  readonly ttlMs?: number;
}

/** A token bucket: holds up to `capacity` tokens and regains `refillPerSecond` of them each second. */
export interface TokenBucket {
  /** Most tokens the bucket holds; a new (or long idle) bucket starts full. Must be > 0. */
  readonly capacity: number;
  /** Tokens regained per second, continuously (fractions accrue). Must be > 0. */
  readonly refillPerSecond: number;
  /** Tokens this take needs; default 1, at most `capacity`. */
  readonly cost?: number;
}

/** The outcome of {@link Cache.takeToken}. */
export interface TokenTake {
  /** True when the tokens were taken; false leaves the bucket untouched. */
  readonly allowed: boolean;
  /** Whole tokens left after this call. */
  readonly remaining: number;
  /** Milliseconds until a take of the same cost would succeed; 0 when allowed. */
  readonly retryAfterMs: number;
  /** Milliseconds until the bucket is full again (the `RateLimit-Reset` header). */
  readonly resetMs: number;
}

/** One member of a sorted set with its score. */
export interface ScoredMember {
  readonly member: string;
  readonly score: number;
}

/** Bounds and paging for {@link Cache.zrangeByScoreDesc}. */
export interface ScoreRange {
  /** Lowest score included (inclusive), e.g. "seen since" for presence. */
  readonly min: number;
  /** Highest score included (inclusive); default +Infinity. */
  readonly max?: number;
  /** Matching members to skip from the top; default 0. */
  readonly offset?: number;
  /** Most members returned; default all. */
  readonly limit?: number;
}

/** One event of {@link Cache.countFirstSeen}. */
export interface FirstSeenEvent {
  /** Marks the event as seen (e.g. `views:seen:<video>:<viewer>`); while it lives, the same event is not counted again. */
  readonly markerKey: string;
  /** The counter (sorted-set member) the event adds 1 to when it is first seen. */
  readonly member: string;
}

/** Stops one subscription; the handler receives nothing after the promise resolves. */
export type Unsubscribe = () => Promise<void>;

/** Receives each message published on a channel, asynchronously and in publish order. */
export type MessageHandler = (message: string) => void;

/**
 * The cache contract. Keys and channels are isolated by the implementation's key prefix.
 * Sorted-set ties order by member, descending byte order, as Redis does. Reading or
 * updating a key as a kind it is not (`get` on a sorted set, `zadd` on a string) rejects
 * with an error whose message starts with `WRONGTYPE`; `set`, `delete` and `expire` take
 * keys of any kind, and `getMany` reads other kinds as null.
 */
export interface Cache {
  /** True when every node sees the same state (Redis); false for one process (memory). */
  readonly shared: boolean;

  /** The string at `key`, or null when it is absent or expired. */
  get(key: string): Promise<string | null>;

  /** Values for `keys` in the same order, null where absent; one round trip on Redis. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;

  /**
   * Stores `value` at `key`, replacing any value and TTL it had. Resolves false (and
   * writes nothing) when `onlyIfAbsent` is set and the key exists; true otherwise.
   */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;

  /** Removes the keys, of any kind; resolves how many existed. */
  delete(...keys: string[]): Promise<number>;

  /**
   * Adds the integer `by` (default 1) to the integer at `key`, starting from 0, and
   * resolves the new value. Atomic across concurrent callers and nodes. A TTL given in
   * `options` is set only when this call creates the key; an existing TTL is kept.
   */
  incr(key: string, by?: number, options?: IncrOptions): Promise<number>;

  /** Sets a TTL on an existing key of any kind; resolves false when the key is absent. */
  expire(key: string, ttlMs: number): Promise<boolean>;

  /**
   * Takes `cost` tokens from the bucket at `bucketKey`, atomically. On Redis the clock is
   * the server's, so nodes with skewed clocks draw from one bucket consistently. An idle
   * bucket expires by itself once it would be full again.
   */
  takeToken(bucketKey: string, bucket: TokenBucket): Promise<TokenTake>;

  /** Adds members or updates their scores; resolves how many members were new. */
  zadd(key: string, members: readonly ScoredMember[]): Promise<number>;

  /** Adds `by` to a member's score (a missing member starts at 0); resolves the new score. */
  zincrby(key: string, member: string, by: number): Promise<number>;

  /**
   * Counts each event the first time it is seen within `ttlMs`: sets its marker (as
   * `set(markerKey, '1', { onlyIfAbsent: true, ttlMs })`) and, only if the marker was
   * absent, adds 1 to its member in the sorted set `counterKey`. The whole batch runs
   * atomically in one round trip (one script on Redis), so a batch of events costs one
   * call. Resolves, per event and in order, whether it was counted; of two events with
   * the same marker in one batch only the first counts. Dedupe + pending counters of a
   * write-behind (view counts). On Redis the keys must live on one server (no cluster
   * slot routing across markers and counter).
   */
  countFirstSeen(counterKey: string, events: readonly FirstSeenEvent[], options: { ttlMs: number }): Promise<boolean[]>;

  /**
   * `zincrby` for several members of one set in one round trip (one script on Redis); resolves the new scores in
   * order. Each increment is atomic (none is lost to a concurrent one), the batch is not.
   */
  zincrbyMany(key: string, increments: readonly ScoredMember[]): Promise<number[]>;

  /**
   * Removes and returns up to `count` (> 0) members with the highest scores, highest first
   * (Redis `ZPOPMAX`), atomically: two callers never get the same member, and a `zincrby`
   * after the pop starts that member afresh. Drains a set used as pending counters.
   */
  zpopmax(key: string, count: number): Promise<ScoredMember[]>;

  /** A member's score, or null when the member (or the set) is absent. */
  zscore(key: string, member: string): Promise<number | null>;

  /** Number of members in the set; 0 when absent. */
  zcard(key: string): Promise<number>;

  /** Removes members; resolves how many existed. An emptied set is deleted. */
  zrem(key: string, ...members: string[]): Promise<number>;

  /**
   * Members by rank, highest score first: ranks `start` to `stop` inclusive, 0-based;
   * negative ranks count from the lowest (-1 is the last). A page of a top list is
   * `zrevrange(key, page * size, page * size + size - 1)`.
   */
  zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]>;

  /** Members with `min <= score <= max`, highest score first, paged by offset/limit. */
  zrangeByScoreDesc(key: string, range: ScoreRange): Promise<ScoredMember[]>;

  /** Removes members with `min <= score <= max` (e.g. presence older than a cutoff); resolves the count. */
  zremRangeByScore(key: string, min: number, max: number): Promise<number>;

  /**
   * Sends `message` to every handler subscribed to `channel` on every node sharing this
   * cache. Never delivers synchronously inside the call; at-most-once, no history.
   */
  publish(channel: string, message: string): Promise<void>;

  /**
   * Calls `handler` for each later message on `channel`. Once the promise resolves the
   * subscription is live: a message published after that reaches the handler.
   */
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;

  /** Resolves when the engine answers, rejects when it does not (for `/readyz`). */
  ping(): Promise<void>;

  /** Closes connections and timers; the cache must not be used afterwards. */
  close(): Promise<void>;
}
