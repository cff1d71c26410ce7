/**
 * The URLs a player is given for a ready video: its master playlist, poster and
 * storyboard under the origin's `/v/{id}/` prefix. Public videos get plain paths; unlisted
 * ones a signed base anyone holding the video's detail receives; private ones a signed
 * base for their owner only (anyone else gets nothing). Catalog and owner detail both ask
 * here, so the rule lives in one place.
 */
import { Type, type Static } from 'typebox';
import type { AccountId, VideoId } from '../ids.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';
import { signedBase, videoPrefix } from './signature.ts';

/** Expiries are rounded up to this step, so reloads within it get the same URLs (and hit the browser's cache). */
const EXPIRY_STEP_SEC = 600;

export interface PlayableVideo {
  id: VideoId;
  accountId: AccountId;
  visibility: Visibility;
  status: VideoStatus;
  /** The `outputs` of a ready video: blob keys under `videos/{id}/`. */
  outputs: unknown;
}

export const PlaybackLinksSchema = Type.Object({
  master: Type.String({ description: 'The HLS master playlist; every file it leads to is named relative to it.' }),
  poster: Type.Union([Type.String(), Type.Null()]),
  storyboard: Type.Union([Type.String(), Type.Null()], { description: 'The storyboard’s WebVTT index; its cues name the sprite relative to it.' }),
  expiresAt: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix milliseconds after which these signed URLs are refused; null for a public video.' }),
});
export type PlaybackLinks = Static<typeof PlaybackLinksSchema>;

interface Outputs {
  master?: string;
  poster?: string;
  storyboard?: { vtt?: string };
}

export interface PlaybackUrlOptions {
  secret: string;
  ttlMs: number;
  /** Origin of the edge or CDN (`https://cdn.example.com`); '' for paths on the API host. */
  baseUrl?: string | undefined;
}

export class PlaybackUrls {
  readonly #secret: string;
  readonly #ttlMs: number;
  readonly #baseUrl: string;

  constructor(options: PlaybackUrlOptions) {
    this.#secret = options.secret;
    this.#ttlMs = options.ttlMs;
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  }

  /** The links `caller` may play the video with; null when it is not ready or is another account's private video. */
  linksFor(video: PlayableVideo, caller: AccountId | undefined, nowMs = Date.now()): PlaybackLinks | null {
    const outputs = video.outputs as Outputs | null;
    if (video.status !== 'ready' || !outputs?.master) return null;
    if (video.visibility === 'private' && caller !== video.accountId) return null;
    let base = videoPrefix(video.id);
    let expiresAt: number | null = null;
    if (video.visibility !== 'public') {
      const expires = Math.ceil((nowMs + this.#ttlMs) / 1000 / EXPIRY_STEP_SEC) * EXPIRY_STEP_SEC;
      base = signedBase(this.#secret, video.id, expires);
      expiresAt = expires * 1000;
    }
    const keyPrefix = `videos/${video.id}/`;
    const url = (key: string | undefined) => (key?.startsWith(keyPrefix) ? `${this.#baseUrl}${base}${key.slice(keyPrefix.length)}` : null);
    const master = url(outputs.master);
    return master ? { master, poster: url(outputs.poster), storyboard: url(outputs.storyboard?.vtt), expiresAt } : null;
  }
}
