/**
 * Trending: videos ranked by views with exponential decay (half-life a setting), so a
 * burst of recent views outranks a larger but older pile. The score is recomputed
 * periodically from the hourly view buckets in SQL into the cache (one node at a time,
 * under a cache lock), and read from there page by page.
 */
import { AppError, PeriodicTask, platformErrors, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { decayedScores, listedVideos, pruneBuckets, type TrendingVideoRow } from './store.ts';
import { TrendingList } from './trending-list.ts';

const LOCK_KEY = 'video:trending:lock';
const CURSOR_SCOPE = 'video-trending';

export interface TrendingSettings {
  trendingHalfLifeMs: number;
  trendingIntervalMs: number;
  trendingSize: number;
}

export interface TrendingItem extends TrendingVideoRow {
  score: number;
}

export class TrendingService {
  readonly #platform: Platform;
  readonly #settings: TrendingSettings;
  readonly #now: () => number;
  readonly #list: TrendingList;
  readonly #task: PeriodicTask<void>;

  constructor(platform: Platform, settings: TrendingSettings, options: { now?: () => number } = {}) {
    this.#platform = platform;
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#list = new TrendingList(platform.cache);
    this.#task = new PeriodicTask({ intervalMs: settings.trendingIntervalMs, run: () => this.#tick(), onError: (error) => platform.logger.error({ err: error }, 'trending recompute failed') });
  }

  /** Recomputes the list as of `now` and publishes it; resolves how many videos it holds. */
  async recompute(now = this.#now()): Promise<number> {
    const db = videoDb(this.#platform);
    const { trendingHalfLifeMs: halfLifeMs, trendingSize: limit } = this.#settings;
    const scores = await decayedScores(db, { now, halfLifeMs, limit });
    await this.#list.publish(now, scores);
    await pruneBuckets(db, { now, halfLifeMs });
    return scores.length;
  }

  /** One page, best first. Videos made private or deleted since the last recompute are left out. */
  async page(o: { cursor?: string | undefined; limit: number }): Promise<{ items: TrendingItem[]; nextCursor: string | null }> {
    const current = await this.#list.current();
    let generation = current;
    let start = 0;
    if (o.cursor) {
      const [g, rank] = this.#platform.cursors.decode(CURSOR_SCOPE, o.cursor);
      if (typeof g !== 'number' || typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0) throw new AppError(platformErrors.invalid_cursor, 'The cursor is not valid: malformed key.');
      generation = g;
      start = rank;
    }
    if (generation === null) return { items: [], nextCursor: null };
    const members = await this.#list.range(generation, start, o.limit, generation === current);
    if (members === null) throw new AppError(platformErrors.invalid_cursor, 'The cursor is not valid: the trending list it paged has been replaced; start again without a cursor.');
    const videos = await listedVideos(videoDb(this.#platform), members.map((m) => m.member as VideoId));
    const items = members.flatMap((m) => {
      const video = videos.get(m.member as VideoId);
      return video ? [{ ...video, score: m.score }] : [];
    });
    const nextCursor = members.length === o.limit ? this.#platform.cursors.encode(CURSOR_SCOPE, [generation, start + o.limit]) : null;
    return { items, nextCursor };
  }

  /** Recomputes now and every interval, skipping rounds another node holds the lock for. */
  start(): void {
    this.#task.start({ immediately: true });
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  async #tick(): Promise<void> {
    const ttlMs = Math.max(1, Math.floor(this.#settings.trendingIntervalMs / 2));
    if (await this.#platform.cache.set(LOCK_KEY, String(this.#platform.config.nodeId), { onlyIfAbsent: true, ttlMs })) await this.recompute();
  }
}
