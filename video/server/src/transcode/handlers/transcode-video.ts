/**
 * Job `video.uploaded`: the source of a validated upload becomes an HLS ladder. Single
 * mode runs one ffmpeg (one decode, split to every rung) into a temp dir, reporting
 * progress (throttled) to the cache seam and watchers; long videos go to parallel mode.
 * A redelivery of a video already `ready` or `failed` is a no-op; one still `processing`
 * (its transcoder died) starts over and overwrites the outputs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { videoDb } from '../../db.ts';
import { planLadder, transcodeHlsLadder, type MediaInfo } from '../../media/index.ts';
import { throttle } from '../../videos/live.ts';
import { findVideo, transition } from '../../videos/store.ts';
import { sourceKey } from '../../uploads/completion.ts';
import { fetchToLocal } from '../blob-files.ts';
import { finishVideo } from '../finish-video.ts';
import type { JobHandler } from '../job-context.ts';

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
  const workDir = await mkdtemp(join(tmpdir(), `transcode-${videoId}-`));
  try {
    const source = await fetchToLocal(platform.blob, sourceKey(videoId), join(workDir, 'source'));
    const hlsDir = join(workDir, 'hls');
    const report = throttle(PROGRESS_INTERVAL_MS, (p: { fraction: number; speed?: number; fps?: number }) => void live.progress(videoId, p).catch(() => undefined));
    const ladder = await transcodeHlsLadder({
      input: source,
      outDir: hlsDir,
      rungs: planLadder(info.video),
      segmentSeconds: settings.segmentSeconds,
      durationSec: info.durationSec,
      hasAudio: info.audio !== undefined,
      preset: settings.x264Preset,
      fps: info.video.fps,
      onProgress: (p) => report({ fraction: Math.min(p.fraction, 0.99), ...(p.speed === undefined ? {} : { speed: p.speed }), ...(p.fps === undefined ? {} : { fps: p.fps }) }),
    });
    await finishVideo(context, { videoId, source, workDir, hlsDir, ladder, durationSec: info.durationSec });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
};
