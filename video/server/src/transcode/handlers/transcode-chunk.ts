/**
 * Job `video.transcode_chunk` (parallel mode): encodes one chunk of the source for every
 * rung (video only) and puts it under `videos/<id>/parts/chunk-NNNNN/`, then counts it.
 */
import { join } from 'node:path';
import { videoDb } from '../../db.ts';
import { encodeVideoChunk, planLadder, type MediaInfo } from '../../media/index.ts';
import { sourceKey } from '../../uploads/upload-ids.ts';
import { findVideo } from '../../videos/store.ts';
import { fetchToLocal, uploadDirectory } from '../blob-files.ts';
import type { JobHandler } from '../job-context.ts';
import { chunkPrefix, countPartDone } from '../parallel-parts.ts';
import { withWorkDir } from '../work-dir.ts';

export const transcodeChunk: JobHandler<'video.transcode_chunk'> = async ({ videoId, index, startSec, endSec }, context) => {
  const { platform, live, settings } = context;
  const db = videoDb(platform);
  const video = await findVideo(db, videoId);
  if (!video || video.status !== 'processing') return;
  const info = video.sourceInfo as MediaInfo;
  await withWorkDir(`${videoId}-c${index}`, async (workDir) => {
    const source = await fetchToLocal(platform.blob, sourceKey(videoId), join(workDir, 'source'));
    const outDir = join(workDir, 'chunk');
    await encodeVideoChunk({ input: source, chunk: { index, startSec, endSec }, outDir, rungs: planLadder(info.video), segmentSeconds: settings.segmentSeconds, fps: info.video.fps, preset: settings.x264Preset });
    await uploadDirectory(platform.blob, outDir, chunkPrefix(videoId, index));
  });
  const fraction = await countPartDone(db, context, videoId);
  await live.progress(videoId, { fraction: Math.min(fraction, 0.99) });
};
