/**
 * Live state of a video for watchers: the latest transcode progress kept in the cache
 * seam (so any node can answer), and status/progress events published on a per-video
 * cache channel (so a transcoder on one node reaches SSE watchers on another).
 */
import type { Cache } from '@twin/platform/cache';
import type { VideoId } from '../ids.ts';
import type { VideoFailureReason, VideoStatus } from './status.ts';

export type LiveEvent =
  | { type: 'status'; status: VideoStatus; reason?: VideoFailureReason | null; message?: string | null }
  | { type: 'progress'; fraction: number; speed?: number; fps?: number };

const PROGRESS_TTL_MS = 24 * 3_600_000;
export const progressKey = (id: VideoId) => `video:progress:${id}`;
export const liveChannel = (id: VideoId) => `video:live:${id}`;

export class VideoLive {
  readonly #cache: Cache;

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  async status(id: VideoId, status: VideoStatus, reason?: VideoFailureReason | null, message?: string | null): Promise<void> {
    await this.#cache.publish(liveChannel(id), JSON.stringify({ type: 'status', status, reason, message } satisfies LiveEvent));
  }

  async progress(id: VideoId, p: { fraction: number; speed?: number; fps?: number }): Promise<void> {
    const event: LiveEvent = { type: 'progress', ...p };
    await this.#cache.set(progressKey(id), JSON.stringify(p), { ttlMs: PROGRESS_TTL_MS });
    await this.#cache.publish(liveChannel(id), JSON.stringify(event));
  }

  async lastProgress(id: VideoId): Promise<number | null> {
    const raw = await this.#cache.get(progressKey(id));
    return raw ? (JSON.parse(raw) as { fraction: number }).fraction : null;
  }

  subscribe(id: VideoId, handler: (event: LiveEvent) => void): Promise<() => Promise<void>> {
    return this.#cache.subscribe(liveChannel(id), (message) => handler(JSON.parse(message) as LiveEvent));
  }
}

/** Calls `send` at most once per `intervalMs`, always letting the final value (fraction 1) through. */
export function throttle<T extends { fraction: number }>(intervalMs: number, send: (value: T) => void): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < intervalMs && value.fraction < 1) return;
    last = now;
    send(value);
  };
}
