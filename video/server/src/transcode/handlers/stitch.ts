/**
 * Job `video.stitch` (parallel mode): every part is in the blob seam; download them,
 * remux the chunks end to end with the audio into the same per-rung HLS renditions as
 * single mode (no re-encode), then poster, storyboard, upload and `ready`; the parts go.
 */
import { join } from 'node:path';
import { videoDb } from '../../db.ts';
import { planLadder, stitchHls, type MediaInfo } from '../../media/index.ts';
import { sourceKey } from '../../uploads/upload-ids.ts';
import { findVideo } from '../../videos/store.ts';
import { downloadPrefix, fetchToLocal } from '../blob-files.ts';
import { finishVideo, renderStills } from '../finish-video.ts';
import type { JobHandler } from '../job-context.ts';
import { audioPrefix, chunkPrefix, partsPrefix } from '../parallel-parts.ts';
import { withWorkDir } from '../work-dir.ts';

export const stitchVideo: JobHandler<'video.stitch'> = async ({ videoId }, context) => {
  const { platform, settings } = context;
  const video = await findVideo(videoDb(platform), videoId);
  if (!video || video.status !== 'processing') return;
  const info = video.sourceInfo as MediaInfo;
  const chunkCount = Number(video.chunksTotal ?? 0) - (info.audio ? 1 : 0);
  await withWorkDir(`${videoId}-s`, async (workDir) => {
    const source = await fetchToLocal(platform.blob, sourceKey(videoId), join(workDir, 'source'));
    const chunkDirs: string[] = [];
    for (let index = 0; index < chunkCount; index++) {
      const dir = join(workDir, 'parts', `chunk-${index}`);
      if ((await downloadPrefix(platform.blob, chunkPrefix(videoId, index), dir)) === 0) throw new Error(`chunk ${index} of ${chunkCount} is missing`);
      chunkDirs.push(dir);
    }
    const audioDir = info.audio ? join(workDir, 'parts', 'audio') : undefined;
    if (audioDir && (await downloadPrefix(platform.blob, audioPrefix(videoId), audioDir)) === 0) throw new Error('the audio part is missing');
    const hlsDir = join(workDir, 'hls');
    const [ladder, stills] = await Promise.all([
      stitchHls({ chunkDirs, ...(audioDir ? { audioDir } : {}), outDir: hlsDir, rungs: planLadder(info.video), segmentSeconds: settings.segmentSeconds }),
      renderStills({ source, workDir, durationSec: info.durationSec }),
    ]);
    await finishVideo(context, { videoId, hlsDir, ladder, stills });
  });
  await platform.blob.deletePrefix(partsPrefix(videoId));
};
