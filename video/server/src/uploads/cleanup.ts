/**
 * Abandoned uploads: tus expiration (the datastore drops unfinished uploads older than the
 * expiry) and the matching videos still `uploading` end `failed` with `upload_expired`,
 * which frees their share of the account's quota. Runs periodically on API nodes.
 */
import type { Server } from '@tus/server';
import { PeriodicTask, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import type { VideoLive } from '../videos/live.ts';
import { staleUploadingVideos, transition } from '../videos/store.ts';
import { sourceKey } from './upload-ids.ts';
import type { UploadStore } from './upload-store.ts';

export interface UploadCleanup {
  /** One pass; resolves to how many uploads were expired. */
  run(): Promise<number>;
  stop(): Promise<void>;
}

export function startUploadCleanup(deps: { platform: Platform; tus: Server; store: UploadStore; live: VideoLive; expiryMs: number; intervalMs: number }): UploadCleanup {
  const { platform } = deps;
  const db = videoDb(platform);
  const run = async () => {
    let expired = await deps.tus.cleanUpExpiredUploads().catch(() => 0);
    for (const id of await staleUploadingVideos(db, Date.now() - deps.expiryMs)) {
      if (await transition(db, id, ['uploading'], 'failed', { failure_reason: 'upload_expired', failure_message: 'the upload was not finished in time' })) {
        await deps.store.discard(sourceKey(id));
        await deps.live.status(id, 'failed', 'upload_expired');
        expired++;
      }
    }
    return expired;
  };
  const task = new PeriodicTask({ intervalMs: deps.intervalMs, run, onError: (error) => platform.logger.error({ err: error }, 'upload cleanup failed') }).start();
  return { run: () => task.run(), stop: () => task.stop() };
}
