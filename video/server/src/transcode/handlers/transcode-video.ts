/**
 * Job `video.uploaded`: the source of a validated upload becomes an HLS ladder. Single
 * mode runs one ffmpeg (one decode, split to every rung, the storyboard sprite and the
 * poster) into a temp dir, reporting progress (throttled) to the cache seam and watchers.
 * The outputs are uploaded after the encode, not during it: a synced write on the same
 * disk every 600 ms slowed the encode by 5-9% here (each sync commits ext4's journal),
 * which cost more than the 0.5 s such uploads save at its end. Above VIDEO_PARALLEL_THRESHOLD the
 * job only plans: keyframe-aligned chunks, and one job per chunk plus one for the audio,
 * written to the outbox with the part count in one transaction.
 * A redelivery of a video already `ready` or `failed`, or already planned, is a no-op; one
 * still `processing` in single mode (its transcoder died) starts over and overwrites.
 */
import { join } from 'node:path';
import { videoDb } from '../../db.ts';
import type { VideoId } from '../../ids.ts';
import { planChunks, planLadder, planStoryboard, posterTimeSec, transcodeHlsLadder, type MediaInfo } from '../../media/index.ts';
import { sourceKey } from '../../uploads/upload-ids.ts';
import { throttle } from '../../videos/live.ts';
import { findVideo, transition } from '../../videos/store.ts';
import { fetchToLocal } from '../blob-files.ts';
import { finishVideo, posterFileIn, storyboardDirIn } from '../finish-video.ts';
import type { JobContext, JobHandler } from '../job-context.ts';
import { transcodeJob } from '../jobs.ts';
import { withWorkDir } from '../work-dir.ts';

const PROGRESS_INTERVAL_MS = 1_000;

export const transcodeVideo: JobHandler<'video.uploaded'> = async ({ videoId }, context) => {
  const { platform, live, settings } = context;
  const db = videoDb(platform);
  const video = await findVideo(db, videoId);
  if (!video || video.status === 'ready' || video.status === 'failed') return;
  if (video.status === 'uploaded') {
    await transition(db, videoId, ['uploaded'], 'processing');
    await live.status(videoId, 'processing');
  }
  const info = video.sourceInfo as MediaInfo;
  await withWorkDir(videoId, async (workDir) => {
    const source = await fetchToLocal(platform.blob, sourceKey(videoId), join(workDir, 'source'));
    if (info.durationSec * 1000 > settings.parallelThresholdMs) return planParallel(context, videoId, source, info);
    const hlsDir = join(workDir, 'hls');
    const storyboardDir = storyboardDirIn(workDir);
    const report = throttle(PROGRESS_INTERVAL_MS, (p: { fraction: number; speed?: number; fps?: number }) => void live.progress(videoId, p).catch(() => undefined));
    const posterFile = posterFileIn(workDir);
    const ladder = await transcodeHlsLadder({
      input: source,
      outDir: hlsDir,
      rungs: planLadder(info.video),
      segmentSeconds: settings.segmentSeconds,
      durationSec: info.durationSec,
      hasAudio: info.audio !== undefined,
      preset: settings.x264Preset,
      fps: info.video.fps,
      storyboard: { outDir: storyboardDir, grid: planStoryboard({ durationSec: info.durationSec, width: info.video.width, height: info.video.height }) },
      poster: { file: posterFile, atSec: posterTimeSec(info.durationSec) },
      onProgress: (p) => report({ fraction: Math.min(p.fraction, 0.99), ...(p.speed === undefined ? {} : { speed: p.speed }), ...(p.fps === undefined ? {} : { fps: p.fps }) }),
    });
    await finishVideo(context, { videoId, hlsDir, ladder, stills: { posterFile, storyboardDir, storyboard: ladder.storyboard! } });
  });
};

async function planParallel(context: JobContext, videoId: VideoId, source: string, info: MediaInfo): Promise<void> {
  const { platform, settings } = context;
  const chunks = await planChunks(source, settings.chunkMs / 1000);
  const hasAudio = info.audio !== undefined;
  const planned = await videoDb(platform)
    .transaction()
    .execute(async (trx) => {
      // Planned once: a redelivered job finds chunks_total set and publishes nothing again.
      const result = await trx
        .updateTable('video')
        .set({ chunks_total: chunks.length + (hasAudio ? 1 : 0), chunks_done: 0 })
        .where('id', '=', videoId)
        .where('chunks_total', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await platform.bus.writeOutbox(trx, [
        ...chunks.map((c) => transcodeJob({ type: 'video.transcode_chunk', payload: { videoId, index: c.index, startSec: c.startSec, endSec: c.endSec } })),
        ...(hasAudio ? [transcodeJob({ type: 'video.transcode_audio', payload: { videoId } })] : []),
      ]);
      return true;
    });
  if (planned) platform.outboxRelay.notify();
  platform.logger.info({ videoId, chunks: chunks.length, planned }, 'parallel transcode planned');
}
