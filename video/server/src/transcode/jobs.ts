/**
 * The transcoder's jobs: a discriminated union `{ type, payload }` carried as bus events
 * on the subject of the same name, consumed by the work-queue group `transcoders`. The
 * handler map in handlers.ts is typed `Record<JobType, …>`, so a job type without a
 * handler does not compile. `video.uploaded` is also the public "a source is ready"
 * event other features (catalog, search) may consume in their own groups.
 */
import type { NewEvent } from '@twin/platform/bus';
import type { VideoId } from '../ids.ts';

export type TranscodeJob =
  /** Transcode a whole source (or, above the parallel threshold, plan its chunks). */
  | { type: 'video.uploaded'; payload: { videoId: VideoId } }
  /** Parallel mode: encode one keyframe-aligned chunk for every rung. */
  | { type: 'video.transcode_chunk'; payload: { videoId: VideoId; index: number; startSec: number; endSec: number } }
  /** Parallel mode: encode the audio once. */
  | { type: 'video.transcode_audio'; payload: { videoId: VideoId } }
  /** Parallel mode: every part is done; stitch, poster, storyboard, ready. */
  | { type: 'video.stitch'; payload: { videoId: VideoId } };

export type JobType = TranscodeJob['type'];
export type JobOf<T extends JobType> = Extract<TranscodeJob, { type: T }>;

export const JOB_TYPES: readonly JobType[] = ['video.uploaded', 'video.transcode_chunk', 'video.transcode_audio', 'video.stitch'];

export function transcodeJob(job: TranscodeJob): NewEvent {
  return { type: job.type, subject: job.type, payload: job.payload };
}
