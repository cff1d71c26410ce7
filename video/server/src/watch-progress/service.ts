/**
 * Where each account stopped watching each video, so playback resumes there on any
 * device. Only videos the account may watch (others are 404); a position past the end is
 * clamped to the duration. A video watched (nearly) to the end resumes from the start, as
 * on YouTube.
 */
import type { Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import type { AccountId } from '../ids.ts';
import { findViewableVideo } from '../views/viewable.ts';
import { readProgress, saveProgress } from './store.ts';

/** Within this many seconds of the end a video counts as finished. */
const FINISHED_WITHIN_SEC = 5;

export interface WatchProgress {
  positionSec: number;
  /** Where the player should start: the position, or 0 once the video was finished. */
  resumeAtSec: number;
  finished: boolean;
  updatedAt: number | null;
}

export class WatchProgressService {
  readonly #platform: Platform;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  async save(accountId: AccountId, id: string, positionSec: number): Promise<WatchProgress> {
    const db = videoDb(this.#platform);
    const video = await findViewableVideo(db, id, accountId);
    const position = video.durationSec === null ? positionSec : Math.min(positionSec, video.durationSec);
    const at = Date.now();
    await saveProgress(db, { accountId, videoId: video.id, positionSec: position, at });
    return describe(position, video.durationSec, at);
  }

  async get(accountId: AccountId, id: string): Promise<WatchProgress> {
    const db = videoDb(this.#platform);
    const video = await findViewableVideo(db, id, accountId);
    const saved = await readProgress(db, accountId, video.id);
    return describe(saved?.positionSec ?? 0, video.durationSec, saved?.updatedAt ?? null);
  }
}

function describe(positionSec: number, durationSec: number | null, updatedAt: number | null): WatchProgress {
  const finished = durationSec !== null && positionSec > 0 && positionSec >= durationSec - Math.min(FINISHED_WITHIN_SEC, durationSec * 0.05 + 1);
  return { positionSec, resumeAtSec: finished ? 0 : positionSec, finished, updatedAt };
}
