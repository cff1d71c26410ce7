/**
 * Token-bucket rate limits on the cache seam, so on Redis every node draws from the same
 * buckets. Answers carry the IETF `RateLimit-Limit/Remaining/Reset` headers; an empty
 * bucket answers 429 `rate_limited` with `Retry-After`.
 */
import type { FastifyReply } from 'fastify';
import { AppError, platformErrors } from '../errors.ts';

export interface TokenBucketStore {
  takeToken(
    key: string,
    bucket: { capacity: number; refillPerSecond: number; cost?: number },
  ): Promise<{ allowed: boolean; remaining: number; retryAfterMs: number; resetMs: number }>;
}

export interface RateLimitPolicy {
  /** Part of the bucket key: `ip`, `account`, `login`… */
  readonly name: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export class RateLimiter {
  readonly #store: TokenBucketStore;

  constructor(store: TokenBucketStore) {
    this.#store = store;
  }

  /** Takes one token from `policy`'s bucket for `subject`; throws 429 when it is empty. */
  async take(reply: FastifyReply, policy: RateLimitPolicy, subject: string): Promise<void> {
    const result = await this.#store.takeToken(`rl:${policy.name}:${subject}`, {
      capacity: policy.capacity,
      refillPerSecond: policy.refillPerSecond,
    });
    const previous = Number(reply.getHeader('ratelimit-remaining') ?? Infinity);
    // Several buckets may apply to one request; the headers describe the tightest one.
    if (result.remaining <= previous || !result.allowed) {
      reply.header('ratelimit-limit', policy.capacity);
      reply.header('ratelimit-remaining', result.remaining);
      reply.header('ratelimit-reset', Math.ceil(result.resetMs / 1000));
    }
    if (!result.allowed) {
      const retryAfter = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      throw new AppError(platformErrors.rate_limited, `Too many requests (${policy.name}); retry in ${retryAfter} s.`, {
        headers: { 'retry-after': String(retryAfter) },
        details: { policy: policy.name, retryAfterSeconds: retryAfter },
      });
    }
  }
}
