/**
 * @module @twin/video-server
 * Video ingest: channels, resumable tus uploads, validation, and the durable transcode
 * to a CMAF HLS ladder with poster, storyboard, live progress, retries and dead letters.
 * The ffmpeg/ffprobe wrapper is `./media` (no HTTP or SQL). Serving and the catalog are
 * a later issue.
 */
export { videoFeature } from './feature.ts';
export { videoSettings } from './settings.ts';
export { videoErrors, type VideoErrorCode } from './errors.ts';
