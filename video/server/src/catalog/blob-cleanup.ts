/**
 * Deletes the files of deleted videos (source, HLS ladder, poster, storyboard, captions,
 * everything under `videos/<id>/`) once the deletion has committed: a work-queue consumer
 * of `video.deleted`. Deleting a prefix twice is harmless, so redeliveries are too. The
 * origin already answers 404 from the moment the row is gone; this only frees storage.
 */
import type { Platform } from '@twin/platform';
import type { Consumer, GroupOptions } from '@twin/platform/bus';
import { isStorableId } from '../ids.ts';
import { videoEvent } from '../videos/events.ts';

export const blobCleanupGroup: GroupOptions = { group: 'video-blob-cleanup', subjects: [videoEvent({ type: 'video.deleted', payload: { videoIds: [] } }).subject!], mode: 'work-queue' };

export function startBlobCleanup(platform: Platform): Promise<Consumer> {
  return platform.bus.consume({
    ...blobCleanupGroup,
    batchSize: 20,
    retryDelayMs: 5000,
    handler: async (deliveries) => {
      for (const d of deliveries) {
        const ids = (d.event.payload as { videoIds?: unknown } | null)?.videoIds;
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string' && isStorableId(id)) await platform.blob.deletePrefix(`videos/${id}/`);
        d.ack();
      }
    },
  });
}
