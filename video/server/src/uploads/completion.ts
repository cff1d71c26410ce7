/**
 * What happens when the last byte of an upload arrives. The bytes are already the video's
 * source blob (`videos/<id>/source`, written there by the tus datastore), so nothing is
 * copied: the media module validates them in place through the blob seam (magic bytes,
 * ffprobe, tail check, duration and resolution limits). A bad file ends the video
 * `failed` with the precise reason and its bytes are deleted; a good one moves to
 * `uploaded` with its probe metadata and the `video.uploaded` event in one SQL
 * transaction (the outbox), so a transcode job exists exactly when the row says `uploaded`.
 */
import type { Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { MediaError, validateMedia, type MediaInfo } from '../media/index.ts';
import { transcodeJob } from '../transcode/jobs.ts';
import type { VideoLive } from '../videos/live.ts';
import type { VideoFailureReason } from '../videos/status.ts';
import { transition } from '../videos/store.ts';
import { openSourceInput } from './source-input.ts';
import { sourceKey } from './upload-ids.ts';

export interface CompletionDeps {
  platform: Platform;
  live: VideoLive;
  maxDurationSec: number;
}

/**
 * Checks the source; resolves to false when it was refused (the video ends `failed`).
 * Never throws for a bad upload, only for engine errors.
 */
export async function completeUpload(deps: CompletionDeps, id: VideoId): Promise<boolean> {
  const { platform, live } = deps;
  const db = videoDb(platform);
  let info: MediaInfo;
  const source = await openSourceInput(platform.blob, sourceKey(id));
  try {
    // No object at all: a zero-length upload on a store that never wrote one.
    if (!source) throw new MediaError('empty_file', 'the upload is empty');
    info = await validateMedia(source.input, { maxDurationSec: deps.maxDurationSec });
  } catch (error) {
    const reason: VideoFailureReason = error instanceof MediaError ? error.reason : 'corrupt';
    const message = error instanceof Error ? error.message : String(error);
    if (await transition(db, id, ['uploading'], 'failed', { failure_reason: reason, failure_message: message.slice(0, 1000) })) {
      await live.status(id, 'failed', reason, message);
    }
    platform.logger.info({ videoId: id, reason }, 'upload refused by validation');
    return false;
  } finally {
    await source?.close();
  }
  const moved = await db.transaction().execute(async (trx) => {
    const ok = await transition(trx, id, ['uploading'], 'uploaded', {
      duration_sec: info.durationSec,
      width: info.video.width,
      height: info.video.height,
      source_info: JSON.stringify(info),
    });
    if (ok) await platform.bus.writeOutbox(trx, [transcodeJob({ type: 'video.uploaded', payload: { videoId: id } })]);
    return ok;
  });
  if (moved) {
    platform.outboxRelay.notify();
    await live.status(id, 'uploaded');
  }
  return true;
}
