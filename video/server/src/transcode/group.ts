/**
 * The work-queue consumer group every transcoder process joins, defined once: the
 * transcoder consumes with these options, and every role registers the group with the
 * same options at start, so a job published before any transcoder ever ran (the bus only
 * queues events for groups it knows) waits for the first one instead of being dropped.
 */
import type { Platform, Settings } from '@twin/platform';
import type { GroupOptions } from '@twin/platform/bus';
import type { videoSettings } from '../settings.ts';
import { JOB_TYPES } from './jobs.ts';

export const TRANSCODERS_GROUP = 'transcoders';

export function transcodersGroup(settings: Settings<typeof videoSettings>): GroupOptions {
  return {
    group: TRANSCODERS_GROUP,
    subjects: JOB_TYPES,
    mode: 'work-queue',
    ackTimeoutMs: settings.transcodeAckTimeoutMs,
    maxDeliver: settings.transcodeAttempts,
  };
}

/** Idempotent; call at start in every role. */
export async function registerTranscodersGroup(platform: Platform, settings: Settings<typeof videoSettings>): Promise<void> {
  await platform.bus.registerGroup(transcodersGroup(settings));
}
