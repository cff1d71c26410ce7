/**
 * Who may watch a video, for every viewer-facing route of views, captions and watch
 * progress: public and unlisted videos anyone holding the id, private ones their owner
 * only. A video the caller may not watch does not exist for it (404 video_not_found), so
 * ids of private videos leak nothing, as in the owner-facing routes.
 */
import { AppError } from '@twin/platform';
import type { VideoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type AccountId, type VideoId } from '../ids.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';

export interface ViewableVideo {
  id: VideoId;
  accountId: AccountId;
  visibility: Visibility;
  status: VideoStatus;
  durationSec: number | null;
  /** Blob key of the master playlist once ready. */
  masterKey: string | null;
}

export async function findViewableVideo(db: VideoDb, id: string, caller: AccountId | undefined): Promise<ViewableVideo> {
  const row = isStorableId(id)
    ? await db.selectFrom('video').select(['id', 'account_id', 'visibility', 'status', 'duration_sec', 'outputs']).where('id', '=', id).executeTakeFirst()
    : undefined;
  const accountId = row ? (String(row.account_id) as AccountId) : undefined;
  if (!row || (row.visibility === 'private' && caller !== accountId)) throw new AppError(videoErrors.video_not_found);
  const outputs = row.outputs ? (JSON.parse(row.outputs) as { master?: string }) : null;
  return {
    id: String(row.id) as VideoId,
    accountId: accountId!,
    visibility: row.visibility as Visibility,
    status: row.status as VideoStatus,
    durationSec: row.duration_sec === null ? null : Number(row.duration_sec),
    masterKey: outputs?.master ?? null,
  };
}

/** The caller's own video; another account's is 404, as in the owner-facing routes. */
export async function findOwnedVideo(db: VideoDb, id: string, caller: AccountId): Promise<ViewableVideo> {
  const video = await findViewableVideo(db, id, caller);
  if (video.accountId !== caller) throw new AppError(videoErrors.video_not_found);
  return video;
}

/** 409 video_not_ready unless the video has finished processing. */
export function requireReady(video: ViewableVideo): ViewableVideo & { masterKey: string } {
  if (video.status !== 'ready' || !video.masterKey) throw new AppError(videoErrors.video_not_ready);
  return video as ViewableVideo & { masterKey: string };
}
