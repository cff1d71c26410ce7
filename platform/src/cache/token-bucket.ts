/**
 * Token-bucket arithmetic for the memory cache. The Redis Lua script in `redis-scripts.ts`
 * performs the same steps on the server's clock; keep the two in step.
 */
import type { TokenTake } from './interface.ts';

/**
 * Refill accrues fractions, so float error can leave 4.9999999 where 5 tokens are due;
 * this slack keeps `remaining` and `allowed` from being one token short.
 */
export const TOKEN_SLACK = 1e-9;

export interface BucketState {
  /** Tokens in the bucket at `refilledAt`, possibly fractional. */
  readonly tokens: number;
  /** Clock reading (ms) when `tokens` was last computed. */
  readonly refilledAt: number;
}

/**
 * Refills `state` (undefined for a new bucket, which starts full) up to `now`, then takes
 * `cost` tokens when there are enough. Returns the new state and the answer; `resetMs` is
 * also how long the stored state is worth keeping.
 */
export function drawTokens(
  state: BucketState | undefined,
  bucket: { capacity: number; refillPerSecond: number; cost: number },
  now: number,
): { state: BucketState; take: TokenTake } {
  const { capacity, refillPerSecond, cost } = bucket;
  const perMs = refillPerSecond / 1000;
  let tokens = state?.tokens ?? capacity;
  // A clock that went backwards refills nothing rather than draining the bucket.
  const elapsed = state === undefined ? 0 : Math.max(0, now - state.refilledAt);
  tokens = Math.min(capacity, tokens + elapsed * perMs);
  const allowed = tokens + TOKEN_SLACK >= cost;
  if (allowed) tokens = Math.max(0, tokens - cost);
  const retryAfterMs = allowed ? 0 : Math.ceil((cost - tokens) / perMs);
  const resetMs = Math.max(0, Math.ceil((capacity - tokens - TOKEN_SLACK) / perMs));
  return {
    state: { tokens, refilledAt: Math.max(now, state?.refilledAt ?? now) },
    take: { allowed, remaining: Math.floor(tokens + TOKEN_SLACK), retryAfterMs, resetMs },
  };
}
