/**
 * The video feature's settings (environment variables, listed in README's "Video:"
 * table). Limits follow YouTube's: multi-GB uploads, hours-long videos, 4 s HLS segments.
 */
import { parsers, variable } from '@twin/platform';

/** It is written into the nginx config (`secure_link_md5 "… <secret>"`), so only characters that need no quoting. */
const playbackSecretParser = (raw: string) => {
  if (!/^[A-Za-z0-9_-]{32,256}$/.test(raw)) throw new Error('must be 32–256 characters of A–Z a–z 0–9 _ -');
  return raw;
};

export const videoSettings = {
  uploadMaxBytes: variable('VIDEO_UPLOAD_MAX_BYTES', '8GiB', parsers.bytes(1, 1024 ** 4), 'Largest accepted upload; beyond it tus answers 413 (Upload-Length and bytes actually sent).'),
  accountQuotaBytes: variable('VIDEO_ACCOUNT_QUOTA_BYTES', '100GiB', parsers.bytes(1, 1024 ** 5), 'Total source bytes one account may upload (uploads in progress count at their declared length); beyond it 413 quota_exceeded.'),
  maxDurationMs: variable('VIDEO_MAX_DURATION', '4h', parsers.duration(1_000, 48 * 3_600_000), 'Longest accepted video; a longer one ends `failed` with reason `too_long`.'),
  segmentSeconds: variable('VIDEO_SEGMENT_SECONDS', '4', parsers.integer(1, 10), 'HLS segment length in seconds (also the GOP length, so rungs switch cleanly).'),
  transcodeAttempts: variable('VIDEO_TRANSCODE_ATTEMPTS', '3', parsers.integer(1, 20), 'Attempts of a transcode job before it goes to the dead letters and the video ends `failed`.'),
  retryBackoffMs: variable('VIDEO_TRANSCODE_RETRY_BACKOFF', '5s', parsers.duration(0, 3_600_000), 'First retry delay of a failed transcode job; doubles with each attempt.'),
  transcodeAckTimeoutMs: variable('VIDEO_TRANSCODE_ACK_TIMEOUT', '1m', parsers.duration(1_000, 24 * 3_600_000), 'A job whose transcoder vanished (crash, kill -9) is redelivered after this long; a running job renews its lease every third of it, so jobs may run longer.'),
  parallelThresholdMs: variable('VIDEO_PARALLEL_THRESHOLD', '10m', parsers.duration(1_000, 48 * 3_600_000), 'Videos longer than this are cut into chunks encoded as separate jobs (parallel mode).'),
  chunkMs: variable('VIDEO_CHUNK_LENGTH', '2m', parsers.duration(1_000, 3_600_000), 'Target chunk length in parallel mode (chunks are cut at source keyframes).'),
  x264Preset: variable('VIDEO_X264_PRESET', 'veryfast', parsers.oneOf('ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'), 'x264 speed/quality preset of the ladder.'),
  uploadExpiryMs: variable('VIDEO_UPLOAD_EXPIRY', '24h', parsers.duration(1_000, 30 * 86_400_000), 'An upload not finished this long after its creation expires (tus expiration): its bytes are deleted and the video ends `failed` (`upload_expired`).'),
  uploadCleanupIntervalMs: variable('VIDEO_UPLOAD_CLEANUP_INTERVAL', '10m', parsers.duration(100, 86_400_000), 'How often expired uploads are cleaned.'),
  viewWindowMs: variable('VIDEO_VIEW_WINDOW', '1h', parsers.duration(1_000, 30 * 86_400_000), 'A viewer (account, or salted hash of IP + anonymous id) counts one view per video within this window.'),
  viewMinWatchMs: variable('VIDEO_VIEW_MIN_WATCH', '30s', parsers.duration(0, 3_600_000), 'Watch time before a view counts (a shorter video: 90 % of it); the beacon must report it and arrive at least half of it after the play started.'),
  viewFlushIntervalMs: variable('VIDEO_VIEW_FLUSH_INTERVAL', '10s', parsers.duration(50, 3_600_000), 'How often counted views are written from the cache to SQL in one batch; a crash loses at most this long of views.'),
  trendingHalfLifeMs: variable('VIDEO_TRENDING_HALF_LIFE', '24h', parsers.duration(3_600_000, 90 * 86_400_000), 'Trending score half-life: a view this old weighs half a fresh one.'),
  trendingIntervalMs: variable('VIDEO_TRENDING_INTERVAL', '5m', parsers.duration(100, 86_400_000), 'How often the trending list is recomputed (by one node at a time).'),
  trendingSize: variable('VIDEO_TRENDING_SIZE', '1000', parsers.integer(10, 100_000), 'Videos kept in the trending list.'),
  captionMaxBytes: variable('VIDEO_CAPTION_MAX_BYTES', '1MiB', parsers.bytes(1024, 16 * 1024 ** 2), 'Largest WebVTT caption file accepted (413 beyond).'),
  searchReindexBatch: variable('VIDEO_SEARCH_REINDEX_BATCH', '500', parsers.integer(1, 10_000), 'Videos re-synced per transaction by `npm run reindex` (each batch locks only its own rows, so search and updates go on meanwhile).'),
  searchCandidates: variable('VIDEO_SEARCH_CANDIDATES', '1000', parsers.integer(10, 1_000_000), 'Relevance ranks at most this many matches of a search, the newest: a word found in more videos returns the best of its newest ones. Higher finds older best matches and costs time linearly.'),
  playbackSecret: variable('VIDEO_PLAYBACK_SECRET', undefined, playbackSecretParser, 'Secret signing playback URLs of unlisted and private videos (32–256 characters of A–Z a–z 0–9 _ -); the nginx edge checks the same signature (`secure_link`), so set it there too and on every node. Unset → generated once into DATA_DIR/secrets.'),
  playbackUrlTtlMs: variable('VIDEO_PLAYBACK_URL_TTL', '6h', parsers.duration(60_000, 7 * 86_400_000), 'How long a signed playback URL stays valid (rounded up to the next 10 minutes, so a page reload gets the same URL and its cached segments).'),
  playbackBaseUrl: variable('VIDEO_PLAYBACK_BASE_URL', undefined, parsers.url('http:', 'https:'), 'Where players fetch `/v/…` (the nginx edge or a CDN), e.g. `https://cdn.example.com`; unset → paths on the API host.'),
  playlistMaxAgeMs: variable('VIDEO_PLAYLIST_MAX_AGE', '30s', parsers.duration(0, 86_400_000), 'Cache-Control max-age of playlists (segments, poster and storyboard are immutable): a master rewritten for a new caption reaches players within this long.'),
  edgeCacheTtlMs: variable('VIDEO_EDGE_CACHE_TTL', '1m', parsers.duration(1_000, 86_400_000), 'How long an nginx edge serves an immutable file before revalidating it with the origin (`X-Accel-Expires`; a 304 carries no body), so a deleted or now-private video leaves edge caches within this long.'),
  originLookupCacheMs: variable('VIDEO_ORIGIN_LOOKUP_CACHE', '1s', parsers.duration(0, 60_000), 'How long each node remembers, for the origin, a video’s status and visibility and its small files (playlists, captions: up to 64 KiB, 32 MiB in all) (0s: read on every request); a deletion, a visibility change or a rewritten playlist reaches the origin within this long.'),
};
