/**
 * The Redis cache: state every node shares. Keys are isolated by ioredis's `keyPrefix`,
 * which covers every command here, including script KEYS (declared via `numberOfKeys`),
 * but not pub/sub channels, which this class prefixes itself. Pub/sub uses a second,
 * lazily opened connection, because a subscribed connection cannot run other commands.
 */
import { Redis, type RedisOptions } from 'ioredis';
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
import { cacheScripts, type CacheScriptCommands } from './redis-scripts.ts';

export interface RedisCacheOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Prepended to every key and channel. */
  keyPrefix?: string;
  /** Where subscriber and connection errors go; default console.error. */
  onError?: (error: unknown, context: string) => void;
  /** Passed to ioredis as is (timeouts, TLS, retry strategy). */
  redisOptions?: RedisOptions;
}

interface Subscription {
  readonly handler: MessageHandler;
}

interface ChannelSubscriptions {
  readonly subscriptions: Set<Subscription>;
  /** Settles when Redis has acknowledged SUBSCRIBE for the channel. */
  readonly subscribed: Promise<unknown>;
}

export class RedisCache implements Cache {
  readonly shared = true;
  readonly #redis: Redis & CacheScriptCommands;
  readonly #prefix: string;
  readonly #onError: (error: unknown, context: string) => void;
  #subscriber: Redis | undefined;
  readonly #channels = new Map<string, ChannelSubscriptions>();

  constructor(options: RedisCacheOptions) {
    this.#prefix = options.keyPrefix ?? '';
    this.#onError = options.onError ?? ((error, context) => console.error(`redis cache: ${context}`, error));
    this.#redis = new Redis(options.url, {
      // Fail a command after a few reconnect attempts instead of queueing it for minutes.
      maxRetriesPerRequest: 3,
      ...options.redisOptions,
      keyPrefix: this.#prefix,
      scripts: cacheScripts,
    }) as Redis & CacheScriptCommands;
    this.#redis.on('error', (error) => this.#onError(error, 'connection error'));
  }

  async get(key: string): Promise<string | null> {
    return this.#redis.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.#redis.mget([...keys]);
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const { ttlMs, onlyIfAbsent = false } = options;
    checkTtl(ttlMs);
    const reply =
      ttlMs === undefined
        ? onlyIfAbsent
          ? await this.#redis.set(key, value, 'NX')
          : await this.#redis.set(key, value)
        : onlyIfAbsent
          ? await this.#redis.set(key, value, 'PX', ttlMs, 'NX')
          : await this.#redis.set(key, value, 'PX', ttlMs);
    return reply === 'OK';
  }

  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.#redis.del(keys);
  }

  async incr(key: string, by = 1, options: IncrOptions = {}): Promise<number> {
    checkIncrement(by);
    checkTtl(options.ttlMs);
    if (options.ttlMs === undefined) return this.#redis.incrby(key, by);
    return Number(await this.#redis.cacheIncrCreatingWithTtl(key, by, options.ttlMs));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    return (await this.#redis.pexpire(key, ttlMs)) === 1;
  }

  async takeToken(bucketKey: string, bucket: TokenBucket): Promise<TokenTake> {
    const { capacity, refillPerSecond, cost } = checkBucket(bucket);
    const [allowed, remaining, retryAfterMs, resetMs] = await this.#redis.cacheTakeToken(bucketKey, capacity, refillPerSecond, cost);
    return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
  }

  async zadd(key: string, members: readonly ScoredMember[]): Promise<number> {
    for (const { score } of members) checkScore(score);
    if (members.length === 0) return 0;
    const scoreMembers = members.flatMap(({ member, score }) => [formatScore(score), member]);
    return Number(await this.#redis.zadd(key, ...scoreMembers));
  }

  async zincrby(key: string, member: string, by: number): Promise<number> {
    checkScore(by);
    return parseScore(await this.#redis.zincrby(key, formatScore(by), member));
  }

  async countFirstSeen(counterKey: string, events: readonly FirstSeenEvent[], options: { ttlMs: number }): Promise<boolean[]> {
    checkTtl(options.ttlMs);
    if (events.length === 0) return [];
    const keys = [counterKey, ...events.map((e) => e.markerKey)];
    const counted = await this.#redis.cacheCountFirstSeen(keys.length, ...keys, options.ttlMs, ...events.map((e) => e.member));
    return counted.map((c) => c === 1);
  }

  async zincrbyMany(key: string, increments: readonly ScoredMember[]): Promise<number[]> {
    for (const { score } of increments) checkScore(score);
    if (increments.length === 0) return [];
    const scores = await this.#redis.cacheZincrbyMany(key, ...increments.flatMap(({ member, score }) => [formatScore(score), member]));
    return scores.map(parseScore);
  }

  async zpopmax(key: string, count: number): Promise<ScoredMember[]> {
    checkCount(count);
    return pairs(await this.#redis.zpopmax(key, count));
  }

  async zscore(key: string, member: string): Promise<number | null> {
    const score = await this.#redis.zscore(key, member);
    return score === null ? null : parseScore(score);
  }

  async zcard(key: string): Promise<number> {
    return this.#redis.zcard(key);
  }

  async zrem(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.#redis.zrem(key, ...members);
  }

  async zrevrange(key: string, start: number, stop: number): Promise<ScoredMember[]> {
    checkRanks(start, stop);
    return pairs(await this.#redis.zrevrange(key, start, stop, 'WITHSCORES'));
  }

  async zrangeByScoreDesc(key: string, range: ScoreRange): Promise<ScoredMember[]> {
    const { min, max, offset, limit } = checkScoreRange(range);
    // LIMIT count -1 means "all"; 0 means none, as for memory.
    const count = limit === Infinity ? -1 : limit;
    const reply = await this.#redis.zrevrangebyscore(key, formatScore(max), formatScore(min), 'WITHSCORES', 'LIMIT', offset, count);
    return pairs(reply);
  }

  async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
    checkScore(min);
    checkScore(max);
    return this.#redis.zremrangebyscore(key, formatScore(min), formatScore(max));
  }

  async publish(channel: string, message: string): Promise<void> {
    // PUBLISH names a channel, not a key, so ioredis leaves it unprefixed: prefix it here.
    await this.#redis.publish(this.#prefix + channel, message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const fullChannel = this.#prefix + channel;
    let channelSubscriptions = this.#channels.get(fullChannel);
    if (!channelSubscriptions) {
      // Register before the round trip so a concurrent subscribe to the same channel joins
      // this SUBSCRIBE instead of sending another.
      channelSubscriptions = { subscriptions: new Set(), subscribed: this.#subscriberConnection().subscribe(fullChannel) };
      this.#channels.set(fullChannel, channelSubscriptions);
    }
    const subscription: Subscription = { handler };
    channelSubscriptions.subscriptions.add(subscription);
    try {
      await channelSubscriptions.subscribed;
    } catch (error) {
      await this.#unsubscribe(fullChannel, subscription);
      throw error;
    }
    return () => this.#unsubscribe(fullChannel, subscription);
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    this.#channels.clear();
    await Promise.all([quit(this.#redis), this.#subscriber && quit(this.#subscriber)]);
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#redis.duplicate({ keyPrefix: '' });
    subscriber.on('error', (error) => this.#onError(error, 'subscriber connection error'));
    subscriber.on('message', (channel: string, message: string) => this.#deliver(channel, message));
    this.#subscriber = subscriber;
    return subscriber;
  }

  #deliver(fullChannel: string, message: string): void {
    const channelSubscriptions = this.#channels.get(fullChannel);
    if (!channelSubscriptions) return;
    for (const { handler } of [...channelSubscriptions.subscriptions]) {
      try {
        handler(message);
      } catch (error) {
        this.#onError(error, `subscriber on ${fullChannel.slice(this.#prefix.length)} threw`);
      }
    }
  }

  async #unsubscribe(fullChannel: string, subscription: Subscription): Promise<void> {
    const channelSubscriptions = this.#channels.get(fullChannel);
    if (!channelSubscriptions?.subscriptions.delete(subscription)) return;
    if (channelSubscriptions.subscriptions.size > 0) return;
    // Commands on one connection run in order, so a later SUBSCRIBE to this channel lands after this.
    this.#channels.delete(fullChannel);
    await this.#subscriber?.unsubscribe(fullChannel);
  }
}

/** QUIT when connected (flushes pending replies); otherwise stop reconnecting at once. */
async function quit(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}

/** Redis spells infinite bounds `+inf`/`-inf`; finite scores print exactly as JS numbers. */
function formatScore(score: number): string {
  if (score === Infinity) return '+inf';
  if (score === -Infinity) return '-inf';
  return String(score);
}

function parseScore(reply: string | number): number {
  if (typeof reply === 'number') return reply;
  if (reply === 'inf' || reply === '+inf') return Infinity;
  if (reply === '-inf') return -Infinity;
  return Number(reply);
}

/** Reads a WITHSCORES reply, flat `[member, score, …]` (RESP2) or `[[member, score], …]` (RESP3). */
function pairs(reply: unknown[]): ScoredMember[] {
  const members: ScoredMember[] = [];
  if (reply.length > 0 && Array.isArray(reply[0])) {
    for (const [member, score] of reply as [string, string | number][]) members.push({ member, score: parseScore(score) });
    return members;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    members.push({ member: String(reply[i]), score: parseScore(reply[i + 1] as string | number) });
  }
  return members;
}
