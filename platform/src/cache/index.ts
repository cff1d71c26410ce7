/**
 * @module @twin/platform/cache
 * The cache seam: in-process memory by default, Redis when `REDIS_URL` is set, so
 * presence, counters, rate limits and pub/sub span every node.
 */
import type { Cache } from './interface.ts';
import { MemoryCache } from './memory.ts';
import { RedisCache } from './redis.ts';

export type {
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
export { MemoryCache, MemoryCacheState, type MemoryCacheOptions } from './memory.ts';
export { RedisCache, type RedisCacheOptions } from './redis.ts';

export interface CacheConfig {
  /** Redis URL; unset → in-process memory. */
  redisUrl?: string;
  /** Prepended to every key and channel, e.g. per tenant or per test run. */
  keyPrefix?: string;
  /** Receives background failures (Redis connection errors); default: console.error. */
  onError?: (error: unknown, context: string) => void;
}

/** Redis when `redisUrl` is set, else memory. */
export function createCache(config: CacheConfig = {}): Cache {
  return config.redisUrl
    ? new RedisCache({ url: config.redisUrl, keyPrefix: config.keyPrefix, ...(config.onError ? { onError: config.onError } : {}) })
    : new MemoryCache({ keyPrefix: config.keyPrefix });
}
