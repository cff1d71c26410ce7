/**
 * Writes pending view counts behind to SQL: every interval, drain the pending sorted set
 * (ZPOPMAX, atomic, so several nodes draining at once never write a count twice) and
 * apply it in one transaction. A failed write puts the counts back for the next round.
 * On a crash, what is lost is bounded by one interval: with Redis the pending set
 * survives the process and only a batch popped but not yet committed can be lost; with
 * the in-process cache the views since the last flush are. `stop()` (graceful shutdown)
 * flushes everything first.
 */
import { PeriodicTask } from '@twin/platform';
import type { Cache } from '@twin/platform/cache';
import type { VideoDb } from '../db.ts';
import { applyViewCounts, type BucketCount } from './store.ts';
import { parsePendingMember, PENDING_VIEWS_KEY, type ViewCounter } from './view-counter.ts';

/** Pending (video, hour) counters drained per transaction. */
const DRAIN_BATCH = 2000;
/** Transactions per flush at most, so a flood of views cannot keep one flush running forever. */
const MAX_BATCHES_PER_FLUSH = 50;

export interface WriteBehindOptions {
  cache: Cache;
  db: VideoDb;
  counter: ViewCounter;
  intervalMs: number;
  onError(error: unknown): void;
}

export class ViewWriteBehind {
  readonly #o: WriteBehindOptions;
  readonly #task: PeriodicTask<number>;

  constructor(options: WriteBehindOptions) {
    this.#o = options;
    this.#task = new PeriodicTask({ intervalMs: options.intervalMs, run: () => this.#drain(), onError: options.onError });
  }

  start(): void {
    this.#task.start();
  }

  /** Drains the pending counts into SQL; resolves how many views were written. Flushes never overlap. */
  flush(): Promise<number> {
    return this.#task.run();
  }

  /** Stops the timer and writes every view recorded until now. */
  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#o.counter.settled();
    await this.flush();
  }

  async #drain(): Promise<number> {
    const { cache, db } = this.#o;
    let written = 0;
    for (let round = 0; round < MAX_BATCHES_PER_FLUSH; round++) {
      const popped = await cache.zpopmax(PENDING_VIEWS_KEY, DRAIN_BATCH);
      if (popped.length === 0) break;
      const counts: BucketCount[] = popped.map(({ member, score }) => ({ ...parsePendingMember(member), views: score }));
      try {
        await applyViewCounts(db, counts);
      } catch (error) {
        await cache.zincrbyMany(PENDING_VIEWS_KEY, popped);
        throw error;
      }
      written += counts.reduce((sum, c) => sum + c.views, 0);
      if (popped.length < DRAIN_BATCH) break;
    }
    return written;
  }
}
