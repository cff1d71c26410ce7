/**
 * Keeps the search index in step with the catalog: a work-queue consumer of the video
 * events (ready, updated, visibility changed, deleted) that re-syncs the named videos from
 * their rows, a whole batch of events in one transaction. It is idempotent without
 * dedupe marks: handling an event again, or late, re-reads the same truth.
 */
import type { Platform } from '@twin/platform';
import type { Consumer, GroupOptions } from '@twin/platform/bus';
import { videoDb } from '../db.ts';
import { isStorableId, type VideoId } from '../ids.ts';
import { VIDEO_EVENT_SUBJECTS } from '../videos/events.ts';
import type { SearchIndex } from './interface.ts';
import { syncVideos } from './sync-videos.ts';

export const searchSyncGroup: GroupOptions = { group: 'video-search-index', subjects: [VIDEO_EVENT_SUBJECTS], mode: 'work-queue' };

export function startSearchSync(platform: Platform, index: SearchIndex): Promise<Consumer> {
  return platform.bus.consume({
    ...searchSyncGroup,
    batchSize: 200,
    retryDelayMs: 1000,
    handler: async (deliveries) => {
      const ids = new Set<VideoId>();
      for (const d of deliveries) {
        const videoIds = (d.event.payload as { videoIds?: unknown } | null)?.videoIds;
        if (Array.isArray(videoIds)) for (const id of videoIds) if (typeof id === 'string' && isStorableId(id)) ids.add(id as VideoId);
      }
      await videoDb(platform)
        .transaction()
        .execute((trx) => syncVideos(trx, index, [...ids]));
      for (const d of deliveries) d.ack();
    },
  });
}
