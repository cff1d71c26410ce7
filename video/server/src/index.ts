/**
 * @module @twin/video-server
 * Video uploads, transcoding, catalog, search and playback origin.
 * Filled by its own issue; the platform foundation only reserves the package.
 */
export {};
