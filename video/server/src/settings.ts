/**
 * The video feature's settings (environment variables, listed in README's "Video:"
 * table). Limits follow YouTube's: multi-GB uploads, hours-long videos, 4 s HLS segments.
 */
import { parsers, variable } from '@twin/platform';

export const videoSettings = {
  uploadMaxBytes: variable('VIDEO_UPLOAD_MAX_BYTES', '8GiB', parsers.bytes(1, 1024 ** 4), 'Largest accepted upload; beyond it tus answers 413 (Upload-Length and bytes actually sent).'),
  accountQuotaBytes: variable('VIDEO_ACCOUNT_QUOTA_BYTES', '100GiB', parsers.bytes(1, 1024 ** 5), 'Total source bytes one account may upload (uploads in progress count at their declared length); beyond it 413 quota_exceeded.'),
  maxDurationMs: variable('VIDEO_MAX_DURATION', '4h', parsers.duration(1_000, 48 * 3_600_000), 'Longest accepted video; a longer one ends `failed` with reason `too_long`.'),
  segmentSeconds: variable('VIDEO_SEGMENT_SECONDS', '4', parsers.integer(1, 10), 'HLS segment length in seconds (also the GOP length, so rungs switch cleanly).'),
  transcodeAttempts: variable('VIDEO_TRANSCODE_ATTEMPTS', '3', parsers.integer(1, 20), 'Attempts of a transcode job before it goes to the dead letters and the video ends `failed`.'),
  retryBackoffMs: variable('VIDEO_TRANSCODE_RETRY_BACKOFF', '5s', parsers.duration(0, 3_600_000), 'First retry delay of a failed transcode job; doubles with each attempt.'),
  transcodeAckTimeoutMs: variable('VIDEO_TRANSCODE_ACK_TIMEOUT', '30m', parsers.duration(1_000, 24 * 3_600_000), 'A job whose transcoder vanished (crash, kill -9) is redelivered after this long; keep it above the longest job.'),
  parallelThresholdMs: variable('VIDEO_PARALLEL_THRESHOLD', '10m', parsers.duration(1_000, 48 * 3_600_000), 'Videos longer than this are cut into chunks encoded as separate jobs (parallel mode).'),
  chunkMs: variable('VIDEO_CHUNK_LENGTH', '2m', parsers.duration(1_000, 3_600_000), 'Target chunk length in parallel mode (chunks are cut at source keyframes).'),
  x264Preset: variable('VIDEO_X264_PRESET', 'veryfast', parsers.oneOf('ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'), 'x264 speed/quality preset of the ladder.'),
  uploadExpiryMs: variable('VIDEO_UPLOAD_EXPIRY', '24h', parsers.duration(1_000, 30 * 86_400_000), 'An upload not finished this long after its creation expires (tus expiration): its bytes are deleted and the video ends `failed` (`upload_expired`).'),
  uploadCleanupIntervalMs: variable('VIDEO_UPLOAD_CLEANUP_INTERVAL', '10m', parsers.duration(100, 86_400_000), 'How often expired uploads are cleaned.'),
};
