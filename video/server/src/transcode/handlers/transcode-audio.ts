/**
 * Job `video.transcode_audio` (parallel mode): encodes the whole audio track once (AAC at
 * the ladder's audio bitrate) under `videos/<id>/parts/audio/`, then counts it.
 */
import { join } from 'node:path';
import { videoDb } from '../../db.ts';
import { encodeAudio, planLadder, type MediaInfo } from '../../media/index.ts';
import { sourceKey } from '../../uploads/upload-ids.ts';
import { findVideo } from '../../videos/store.ts';
import { fetchToLocal, uploadDirectory } from '../blob-files.ts';
import type { JobHandler } from '../job-context.ts';
import { audioPrefix, countPartDone } from '../parallel-parts.ts';
import { withWorkDir } from '../work-dir.ts';

export const transcodeAudio: JobHandler<'video.transcode_audio'> = async ({ videoId }, context) => {
  const { platform, live, settings } = context;
  const db = videoDb(platform);
  const video = await findVideo(db, videoId);
  if (!video || video.status !== 'processing') return;
  const info = video.sourceInfo as MediaInfo;
  const audioKbps = Math.max(...planLadder(info.video).map((r) => r.audioKbps));
  await withWorkDir(`${videoId}-a`, async (workDir) => {
    const source = await fetchToLocal(platform.blob, sourceKey(videoId), join(workDir, 'source'));
    const outDir = join(workDir, 'audio');
    await encodeAudio({ input: source, outDir, audioKbps, segmentSeconds: settings.segmentSeconds });
    await uploadDirectory(platform.blob, outDir, audioPrefix(videoId));
  });
  const fraction = await countPartDone(db, context, videoId);
  await live.progress(videoId, { fraction: Math.min(fraction, 0.99) });
};
