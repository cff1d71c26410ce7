/**
 * The status machine of a video — uploading → uploaded → processing → ready | failed —
 * and the closed set of reasons a video can fail with (the media module's validation
 * reasons plus the transcoder's).
 */
import type { MediaFailureReason } from '../media/index.ts';

export const VIDEO_STATUSES = ['uploading', 'uploaded', 'processing', 'ready', 'failed'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

export const VIDEO_FAILURE_REASONS = [
  'empty_file',
  'not_a_video',
  'corrupt',
  'truncated',
  'no_video_stream',
  'too_long',
  'resolution_too_high',
  'transcode_failed',
  'upload_expired',
] as const;
export type VideoFailureReason = (typeof VIDEO_FAILURE_REASONS)[number];
// Every reason the media module can give is one a video can fail with.
const _mediaReasonsCovered: readonly VideoFailureReason[] = [] as MediaFailureReason[];
void _mediaReasonsCovered;

export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];
