/**
 * Videos as their owner sees them: the row plus the live progress from the cache. Another
 * account's video does not exist for the caller (404 video_not_found), as on YouTube
 * Studio, so ids of private videos leak nothing.
 */
import { AppError, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type AccountId, type VideoId } from '../ids.ts';
import type { VideoLive } from './live.ts';
import { findVideo, type VideoRow } from './store.ts';

export interface OwnedVideo extends VideoRow {
  /** 0..1 while processing (from the transcoder), 1 when ready, 0 before. */
  progress: number;
}

export class VideoService {
  readonly #platform: Platform;
  readonly live: VideoLive;

  constructor(platform: Platform, live: VideoLive) {
    this.#platform = platform;
    this.live = live;
  }

  async find(id: VideoId): Promise<VideoRow | undefined> {
    return findVideo(videoDb(this.#platform), id);
  }

  async getOwned(accountId: AccountId, id: string): Promise<OwnedVideo> {
    const video = isStorableId(id) ? await this.find(id as VideoId) : undefined;
    if (!video || video.accountId !== accountId) throw new AppError(videoErrors.video_not_found);
    const progress = video.status === 'ready' ? 1 : video.status === 'processing' ? ((await this.live.lastProgress(video.id)) ?? 0) : 0;
    return { ...video, progress };
  }
}
