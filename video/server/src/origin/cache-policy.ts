/**
 * Caching of what the origin serves. Segments, init segments, poster, storyboard and
 * caption files never change under their names (a new caption gets a new versioned
 * name), so browsers keep them a year without asking (`immutable`). Playlists stay
 * short-lived: the master is rewritten when captions come or go. An nginx edge is told
 * separately (`X-Accel-Expires`, which it strips before the client sees it) to revalidate
 * immutable files after a while, so a deleted or now-private video leaves its cache.
 */
export interface CachePolicyOptions {
  playlistMaxAgeSec: number;
  edgeTtlSec: number;
}

const YEAR_SEC = 31_536_000;

export function isPlaylist(file: string): boolean {
  return file.endsWith('.m3u8');
}

export function cacheHeaders(file: string, o: CachePolicyOptions): Record<string, string> {
  if (isPlaylist(file)) return { 'cache-control': `public, max-age=${o.playlistMaxAgeSec}` };
  return { 'cache-control': `public, max-age=${YEAR_SEC}, immutable`, 'x-accel-expires': String(o.edgeTtlSec) };
}
