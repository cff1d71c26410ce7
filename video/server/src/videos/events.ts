/**
 * What other parts hear about a video's life after its upload: it became ready, its
 * metadata changed, its visibility changed, it was deleted. Each is written as an outbox
 * row in the transaction of the change (so an event exists exactly when the change
 * committed) on `video.catalog.<what>`, apart from the transcode jobs' subjects. A payload
 * carries many video ids (deleting a channel deletes its videos in one event per batch);
 * consumers re-read the rows they name rather than trust the payload, so events may
 * arrive late, twice or out of order without leaving a consumer behind the truth.
 */
import type { Kysely } from 'kysely';
import type { Bus, NewEvent } from '@twin/platform/bus';
import type { VideoId } from '../ids.ts';
import type { Visibility } from './status.ts';

export type VideoEvent =
  /** Transcoded: playable from now on (the search index adds it if public). */
  | { type: 'video.ready'; payload: { videoIds: VideoId[] } }
  /** Title, description or tags changed. */
  | { type: 'video.updated'; payload: { videoIds: VideoId[] } }
  | { type: 'video.visibility_changed'; payload: { videoIds: VideoId[]; from: Visibility; to: Visibility } }
  /** Gone with its captions and progress (its own delete, or its channel's). */
  | { type: 'video.deleted'; payload: { videoIds: VideoId[] } };

export type VideoEventType = VideoEvent['type'];

/** Every video event's subject matches this filter (and no transcode job's). */
export const VIDEO_EVENT_SUBJECTS = 'video.catalog.>';

/** Most ids in one event, so one outbox row stays small. */
const IDS_PER_EVENT = 500;

export function videoEvent(event: VideoEvent): NewEvent {
  return { type: event.type, subject: `video.catalog.${event.type.slice('video.'.length)}`, payload: event.payload };
}

/** Writes the events as outbox rows in `trx`, splitting long id lists. */
export async function writeVideoEvents(bus: Bus, trx: Kysely<any>, events: readonly VideoEvent[]): Promise<void> {
  const rows = events.flatMap((event) => {
    const ids = event.payload.videoIds;
    const parts: NewEvent[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_EVENT) parts.push(videoEvent({ ...event, payload: { ...event.payload, videoIds: ids.slice(i, i + IDS_PER_EVENT) } } as VideoEvent));
    return parts;
  });
  if (rows.length > 0) await bus.writeOutbox(trx, rows);
}
