/**
 * Argument checks both cache implementations share, so a bad call fails the same way on
 * memory and on Redis (with a RangeError before any I/O) instead of one engine accepting
 * what the other rejects.
 */
import type { ScoreRange, TokenBucket } from './interface.ts';

export function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}

export function checkIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) throw new RangeError(`incr step must be a safe integer, got ${by}`);
}

export function checkScore(score: number): void {
  // Redis accepts ±inf scores but rejects NaN.
  if (typeof score !== 'number' || Number.isNaN(score)) throw new RangeError(`score must be a number, got ${score}`);
}

/** The bucket with its default cost filled in, after checking it can ever be satisfied. */
export function checkBucket(bucket: TokenBucket): Required<TokenBucket> {
  const { capacity, refillPerSecond, cost = 1 } = bucket;
  if (!(Number.isFinite(capacity) && capacity > 0)) throw new RangeError(`bucket capacity must be > 0, got ${capacity}`);
  if (!(Number.isFinite(refillPerSecond) && refillPerSecond > 0)) {
    throw new RangeError(`bucket refillPerSecond must be > 0, got ${refillPerSecond}`);
  }
  // A cost above capacity could never be paid: fail loudly rather than deny forever.
  if (!(Number.isFinite(cost) && cost >= 0 && cost <= capacity)) {
    throw new RangeError(`bucket cost must be between 0 and capacity ${capacity}, got ${cost}`);
  }
  return { capacity, refillPerSecond, cost };
}

/** The range with defaults filled in. */
export function checkScoreRange(range: ScoreRange): Required<ScoreRange> {
  const { min, max = Infinity, offset = 0, limit = Infinity } = range;
  checkScore(min);
  checkScore(max);
  if (!(Number.isInteger(offset) && offset >= 0)) throw new RangeError(`offset must be an integer >= 0, got ${offset}`);
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) {
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  }
  return { min, max, offset, limit };
}

export function checkRanks(start: number, stop: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(stop)) throw new RangeError(`ranks must be integers, got ${start}..${stop}`);
}

export function checkCount(count: number): void {
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`count must be an integer > 0, got ${count}`);
}
