/**
 * The transcoder: a member of the work-queue group `transcoders`, one job at a time per
 * process (ffmpeg already uses every core). A failing job is naked with exponential
 * backoff (VIDEO_TRANSCODE_RETRY_BACKOFF × 2^(attempt−1)); on its last attempt the video
 * ends `failed` with `transcode_failed` and the bus moves the job to the dead letters
 * (admin endpoint, /metrics). While a job runs, its lease is renewed (`inProgress`) every
 * third of VIDEO_TRANSCODE_ACK_TIMEOUT, so a job may run far longer than the timeout; a
 * transcoder killed mid-job stops renewing, and the bus redelivers its job one ack
 * timeout later to another member (or to itself once restarted).
 */
import type { Platform, Settings } from '@twin/platform';
import type { Consumer, Delivery } from '@twin/platform/bus';
import { videoDb } from '../db.ts';
import type { videoSettings } from '../settings.ts';
import type { VideoLive } from '../videos/live.ts';
import { transition } from '../videos/store.ts';
import { jobHandlers } from './handlers.ts';
import type { JobHandler } from './job-context.ts';
import type { JobType, TranscodeJob } from './jobs.ts';
import type { VideoId } from '../ids.ts';
import { transcodersGroup } from './group.ts';

export interface Transcoder {
  stop(): Promise<void>;
}

export async function startTranscoder(deps: { platform: Platform; live: VideoLive; settings: Settings<typeof videoSettings> }): Promise<Transcoder> {
  const { platform, live, settings } = deps;
  const duration = platform.metrics.histogram('video_transcode_duration_seconds', 'Wall time of transcode jobs, by job type and outcome.', [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600], ['type', 'outcome']);
  let inProgress = 0;
  platform.metrics.gaugeFrom('video_transcode_jobs_in_progress', 'Transcode jobs running in this process.', () => inProgress);

  const run = async (delivery: Delivery) => {
    const job = { type: delivery.event.type, payload: delivery.event.payload } as TranscodeJob;
    const handler = jobHandlers[job.type as JobType] as JobHandler<JobType> | undefined;
    const videoId = (job.payload as { videoId?: VideoId }).videoId;
    if (!handler) {
      delivery.nak();
      return;
    }
    const started = performance.now();
    inProgress++;
    const lease = setInterval(() => delivery.inProgress(), Math.max(250, Math.floor(settings.transcodeAckTimeoutMs / 3)));
    try {
      await handler(job.payload, { platform, live, settings, attempt: delivery.attempt, eventId: delivery.event.id });
      duration.observe({ type: job.type, outcome: 'ok' }, (performance.now() - started) / 1000);
      delivery.ack();
    } catch (error) {
      duration.observe({ type: job.type, outcome: 'error' }, (performance.now() - started) / 1000);
      const message = error instanceof Error ? error.message : String(error);
      platform.logger.warn({ err: error, videoId, type: job.type, attempt: delivery.attempt }, 'transcode job failed');
      if (delivery.attempt >= settings.transcodeAttempts) {
        if (videoId && (await transition(videoDb(platform), videoId, ['uploaded', 'processing'], 'failed', { failure_reason: 'transcode_failed', failure_message: message.slice(0, 1000) }))) {
          await live.status(videoId, 'failed', 'transcode_failed', message);
        }
        delivery.nak();
      } else {
        delivery.nak(settings.retryBackoffMs * 2 ** (delivery.attempt - 1));
      }
    } finally {
      clearInterval(lease);
      inProgress--;
    }
  };

  const consumer: Consumer = await platform.bus.consume({
    ...transcodersGroup(settings),
    batchSize: 1,
    handler: async (deliveries) => {
      for (const delivery of deliveries) await run(delivery);
    },
  });
  return { stop: () => consumer.stop() };
}
