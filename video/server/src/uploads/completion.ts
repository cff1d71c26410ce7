/**
 * What happens when the last byte of an upload arrives: a magic-byte check, then the media
 * module's validation (ffprobe, tail check, duration and resolution limits). A bad file
 * ends the video `failed` with the precise reason; a good one is copied into the blob
 * seam as `videos/<id>/source`, and the `uploaded` transition with its probe metadata and
 * the `video.uploaded` event commit in one SQL transaction (the outbox), so a transcode
 * job exists exactly when the row says `uploaded`.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { MediaError, sniffContainer, validateMedia, type MediaInfo } from '../media/index.ts';
import { transcodeJob } from '../transcode/jobs.ts';
import type { VideoLive } from '../videos/live.ts';
import type { VideoFailureReason } from '../videos/status.ts';
import { transition } from '../videos/store.ts';

export const sourceKey = (id: VideoId) => `videos/${id}/source`;

export interface CompletionDeps {
  platform: Platform;
  live: VideoLive;
  maxDurationSec: number;
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Checks the file; never throws for a bad upload (the video ends `failed`), only for engine errors. */
export async function completeUpload(deps: CompletionDeps, id: VideoId, file: string): Promise<void> {
  const { platform, live } = deps;
  const db = videoDb(platform);
  let info: MediaInfo;
  try {
    const head = await readHead(file);
    if (head.length === 0) throw new MediaError('empty_file', 'the upload is empty');
    if (!sniffContainer(head)) throw new MediaError('not_a_video', 'the first bytes match no known video container');
    info = await validateMedia(file, { maxDurationSec: deps.maxDurationSec });
  } catch (error) {
    const reason: VideoFailureReason = error instanceof MediaError ? error.reason : 'corrupt';
    const message = error instanceof Error ? error.message : String(error);
    if (await transition(db, id, ['uploading'], 'failed', { failure_reason: reason, failure_message: message.slice(0, 1000) })) {
      await live.status(id, 'failed', reason, message);
    }
    platform.logger.info({ videoId: id, reason }, 'upload refused by validation');
    return;
  }
  await platform.blob.put(sourceKey(id), createReadStream(file), { contentType: 'application/octet-stream' });
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
}
