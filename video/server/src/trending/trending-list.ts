/**
 * The trending list in the cache: each recompute writes a new generation (a sorted set
 * `video:trending:<generation>`, members = video ids, scores = decayed views) and then
 * points `video:trending:current` at it. A generation never changes once written, so a
 * page cursor holds (generation, rank): paging stays consistent while a newer list is
 * published, and a retired generation keeps answering its cursors for a while.
 */
import type { Cache, ScoredMember } from '@twin/platform/cache';
import type { TrendingScore } from './store.ts';

const CURRENT_KEY = 'video:trending:current';
const generationKey = (generation: number) => `video:trending:${generation}`;
/** How long a replaced generation still serves the cursors issued on it. */
export const RETIRED_TTL_MS = 15 * 60_000;
const ZADD_CHUNK = 1000;

export class TrendingList {
  readonly #cache: Cache;

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  async current(): Promise<number | null> {
    const raw = await this.#cache.get(CURRENT_KEY);
    return raw === null ? null : Number(raw);
  }

  /**
   * Publishes `scores` as `generation` (the compute time) unless a generation at least as
   * new is already current, so a late or clock-skewed recompute never replaces a fresher
   * list. Resolves whether it was published.
   */
  async publish(generation: number, scores: readonly TrendingScore[]): Promise<boolean> {
    const current = await this.current();
    if (current !== null && current >= generation) return false;
    const key = generationKey(generation);
    for (let i = 0; i < scores.length; i += ZADD_CHUNK) {
      await this.#cache.zadd(key, scores.slice(i, i + ZADD_CHUNK).map((s) => ({ member: s.videoId, score: s.score })));
    }
    await this.#cache.set(CURRENT_KEY, String(generation));
    if (current !== null) await this.#cache.expire(generationKey(current), RETIRED_TTL_MS);
    return true;
  }

  /** Ranks `start`..`start + count - 1` of a generation; null when that generation has expired. */
  async range(generation: number, start: number, count: number, isCurrent: boolean): Promise<ScoredMember[] | null> {
    const members = await this.#cache.zrevrange(generationKey(generation), start, start + count - 1);
    // An empty page of a retired generation: it expired (a current one may simply be empty or exhausted).
    if (members.length === 0 && !isCurrent && (await this.#cache.zcard(generationKey(generation))) === 0) return null;
    return members;
  }
}
