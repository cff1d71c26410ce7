/**
 * Counting views, YouTube-style: a play starts (`startPlay`: the video must be watchable
 * by the caller; the answer is a signed play token) and, once the player has played the
 * minimum watch time, it sends the view beacon (`endPlay`). Two requests rather than one
 * "I watched N seconds" beacon, because the server can then check that the claimed watch
 * time fits the wall-clock time since the start: a script cannot count a view without
 * waiting at least half the minimum watch time (players go up to 2× speed) per play.
 * The view then counts once per viewer per window (ViewCounter) and reaches SQL through
 * the write-behind, so `view_count` is eventually consistent.
 */
import { AppError, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type VideoId } from '../ids.ts';
import { issuePlayToken, readPlayToken } from './play-token.ts';
import { ViewCounter } from './view-counter.ts';
import { findViewableVideo, requireReady } from './viewable.ts';
import { ViewerIdentity, type ViewerInput } from './viewer.ts';
import { ViewWriteBehind } from './write-behind.ts';

/** Fastest playback rate players offer: the wall-clock floor of a watch is its length divided by this. */
const MAX_PLAYBACK_RATE = 2;
/** A video shorter than the minimum watch time counts once this share of it is watched. */
const SHORT_VIDEO_SHARE = 0.9;

export interface ViewSettings {
  viewWindowMs: number;
  viewMinWatchMs: number;
  viewFlushIntervalMs: number;
}

export type ViewOutcome = 'counted' | 'duplicate' | 'too_short';

export class ViewService {
  readonly #platform: Platform;
  readonly #settings: ViewSettings;
  readonly #now: () => number;
  readonly #viewers: ViewerIdentity;
  readonly counter: ViewCounter;
  readonly writeBehind: ViewWriteBehind;

  /** `now` is injectable so tests can put views on a synthetic timeline (trending). */
  constructor(platform: Platform, settings: ViewSettings, options: { now?: () => number } = {}) {
    this.#platform = platform;
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#viewers = new ViewerIdentity(platform.cache);
    this.counter = new ViewCounter(platform.cache, settings.viewWindowMs);
    this.writeBehind = new ViewWriteBehind({
      cache: platform.cache,
      db: videoDb(platform),
      counter: this.counter,
      intervalMs: settings.viewFlushIntervalMs,
      onError: (error) => platform.logger.error({ err: error }, 'view count write-behind failed; retrying next interval'),
    });
  }

  async startPlay(id: string, viewer: ViewerInput): Promise<{ playToken: string; requiredWatchSeconds: number }> {
    const video = requireReady(await findViewableVideo(videoDb(this.#platform), id, viewer.accountId));
    const now = this.#now();
    const durationMs = (video.durationSec ?? Infinity) * 1000;
    const requiredMs = Math.floor(Math.min(this.#settings.viewMinWatchMs, durationMs * SHORT_VIDEO_SHARE));
    const playToken = issuePlayToken(this.#platform.cursors, { videoId: video.id, viewer: await this.#viewers.viewerKey(viewer, now), startedAt: now, requiredMs });
    return { playToken, requiredWatchSeconds: requiredMs / 1000 };
  }

  async endPlay(id: string, playToken: string, watchedSeconds: number): Promise<ViewOutcome> {
    if (!isStorableId(id)) throw new AppError(videoErrors.video_not_found);
    const now = this.#now();
    const play = readPlayToken(this.#platform.cursors, id as VideoId, playToken, now);
    if (watchedSeconds * 1000 < play.requiredMs || now - play.startedAt < play.requiredMs / MAX_PLAYBACK_RATE) return 'too_short';
    return (await this.counter.record(play.videoId, play.viewer, now)) ? 'counted' : 'duplicate';
  }

  start(): void {
    this.writeBehind.start();
  }

  /** Graceful shutdown: every view counted so far reaches SQL. */
  stop(): Promise<void> {
    return this.writeBehind.stop();
  }
}

