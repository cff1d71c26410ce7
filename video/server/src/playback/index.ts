/**
 * Playback URLs: signing the `/v/{id}/` prefix of unlisted and private videos (the
 * construction nginx `secure_link` checks), verifying it, and the links a player gets.
 */
export { loadPlaybackSecret } from './secret.ts';
export { PlaybackLinksSchema, PlaybackUrls, type PlayableVideo, type PlaybackLinks, type PlaybackUrlOptions } from './playback-urls.ts';
export { checkToken, parsePlaybackPath, signedBase, signPrefix, videoPrefix, type PlaybackPath, type PlaybackToken, type TokenCheck } from './signature.ts';
