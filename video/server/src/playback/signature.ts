/**
 * Signed playback paths: one signature covers a video's whole prefix `/v/{id}/`, and it
 * travels in the path, `/v/{id}/{expires}/{sig}/hls/master.m3u8`, so every URI a playlist
 * names relative to itself (`720p/playlist.m3u8`, `seg-1.m4s`, `captions/en-1.m3u8`)
 * resolves under the same token (RFC 3986 §5.2). A query string would not carry: hls.js
 * and Safari drop the base's query when resolving a relative URI.
 *
 * The construction is the one nginx's `secure_link` module checks, so an edge verifies a
 * request without calling the origin:
 *
 *     sig = base64url(MD5("{expires}/v/{id}/ {secret}")), unpadded (22 characters)
 *     secure_link $sig,$expires;  secure_link_md5 "$expires/v/$video/ <secret>";
 *
 * MD5 is what `secure_link` offers. Forging needs a second preimage of MD5 (no practical
 * attack is known) or the 256-bit secret; the collision attacks on MD5 need the attacker to
 * choose both messages, and here the server chooses every signed message (id and expiry).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isStorableId, type VideoId } from '../ids.ts';

/** What a signed path carries besides the file. */
export interface PlaybackToken {
  /** Unix seconds after which the token is refused. */
  expires: number;
  /** base64url MD5, 22 characters. */
  sig: string;
}

const SIG = /^[A-Za-z0-9_-]{22}$/;
const EXPIRES = /^[0-9]{1,12}$/;

export function videoPrefix(id: VideoId): string {
  return `/v/${id}/`;
}

export function signPrefix(secret: string, id: VideoId, expires: number): string {
  return createHash('md5').update(`${expires}${videoPrefix(id)} ${secret}`).digest('base64url');
}

/** `/v/{id}/{expires}/{sig}/`: the base every file of the video is fetched under with this token. */
export function signedBase(secret: string, id: VideoId, expires: number): string {
  return `${videoPrefix(id)}${expires}/${signPrefix(secret, id, expires)}/`;
}

export type TokenCheck = 'valid' | 'expired' | 'invalid';

/** Checks a token for `id` at `nowSec`: a signature of another video or secret is `invalid`. */
export function checkToken(secret: string, id: VideoId, token: PlaybackToken, nowSec: number): TokenCheck {
  const expected = Buffer.from(signPrefix(secret, id, token.expires));
  const given = Buffer.from(token.sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  // As secure_link: valid through the second named, refused after it.
  return token.expires < nowSec ? 'expired' : 'valid';
}

/** A request path under `/v/`, split into video, optional token, and the file below the prefix. */
export interface PlaybackPath {
  videoId: VideoId;
  token?: PlaybackToken;
  /** Path below `/v/{id}/` (and below the token), e.g. `hls/720p/seg-3.m4s`. */
  file: string;
}

/**
 * Splits what follows `/v/`: `{id}/{expires}/{sig}/{file}` or `{id}/{file}`. No file of a
 * video starts with a number (its folders are `hls/`, `storyboard/`, `poster.jpg`), so a
 * digits segment followed by a 22-character one is a token. Null when the path cannot name
 * a file of a video (bad id, empty, `.`/`..` segments, backslash or NUL).
 */
export function parsePlaybackPath(rest: string): PlaybackPath | null {
  const parts = rest.split('/');
  const id = parts[0]!;
  if (!isStorableId(id)) return null;
  let fileParts = parts.slice(1);
  let token: PlaybackToken | undefined;
  if (fileParts.length > 2 && EXPIRES.test(fileParts[0]!) && SIG.test(fileParts[1]!)) {
    token = { expires: Number(fileParts[0]), sig: fileParts[1]! };
    fileParts = fileParts.slice(2);
  }
  if (fileParts.length === 0 || fileParts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) return null;
  return { videoId: id as VideoId, ...(token ? { token } : {}), file: fileParts.join('/') };
}
