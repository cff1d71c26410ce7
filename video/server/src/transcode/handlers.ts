/** The handler of every transcoder job type: a job type without one does not compile. */
import type { JobHandler } from './job-context.ts';
import type { JobType } from './jobs.ts';
import { stitchVideo } from './handlers/stitch.ts';
import { transcodeAudio } from './handlers/transcode-audio.ts';
import { transcodeChunk } from './handlers/transcode-chunk.ts';
import { transcodeVideo } from './handlers/transcode-video.ts';

export const jobHandlers: { [T in JobType]: JobHandler<T> } = {
  'video.uploaded': transcodeVideo,
  'video.transcode_chunk': transcodeChunk,
  'video.transcode_audio': transcodeAudio,
  'video.stitch': stitchVideo,
};
