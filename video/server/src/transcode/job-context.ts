/**
 * What a transcode job handler gets: the platform, the live-progress publisher, the
 * feature's settings and the attempt it runs as.
 */
import type { Platform } from '@twin/platform';
import type { Settings } from '@twin/platform';
import type { videoSettings } from '../settings.ts';
import type { VideoLive } from '../videos/live.ts';
import type { JobOf, JobType } from './jobs.ts';

export interface JobContext {
  readonly platform: Platform;
  readonly live: VideoLive;
  readonly settings: Settings<typeof videoSettings>;
  /** 1 on the first delivery. */
  readonly attempt: number;
  /** The bus event id of the job, for exactly-once effects (`bus.markProcessed`). */
  readonly eventId: string;
}

export type JobHandler<T extends JobType> = (payload: JobOf<T>['payload'], context: JobContext) => Promise<void>;
