/**
 * Whether a request under `/v/{id}/` may read the video's files: the video must exist and
 * be ready (unknown, deleted, failed or still processing → 404); a token, when present,
 * must be this video's and unexpired (→ 403); without one only a public video plays
 * (unlisted → 403 playback_token_required, private → 404 as everywhere else, so ids of
 * private videos leak nothing). A valid token is enough whatever the visibility: only
 * those allowed to play were given one, and it dies with its expiry.
 *
 * The status and visibility are remembered per node for a short while: a player fetches
 * one segment every few seconds per viewer, and each would otherwise cost a SQL read.
 */
import { AppError } from '@twin/platform';
import type { VideoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import type { VideoId } from '../ids.ts';
import { checkToken, type PlaybackPath } from '../playback/index.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';

interface Playability {
  status: VideoStatus;
  visibility: Visibility;
}

/** Entries beyond this are dropped all at once: simpler than an LRU, and a refill is one read each. */
const MAX_REMEMBERED = 10_000;

export class VideoAccess {
  readonly #db: VideoDb;
  readonly #secret: string;
  readonly #rememberMs: number;
  readonly #remembered = new Map<VideoId, { until: number; value: Promise<Playability | null> }>();

  constructor(o: { db: VideoDb; secret: string; rememberMs: number }) {
    this.#db = o.db;
    this.#secret = o.secret;
    this.#rememberMs = o.rememberMs;
  }

  /** Resolves when the request may read files of the video; throws the AppError to answer otherwise. */
  async authorize(path: PlaybackPath, nowMs = Date.now()): Promise<void> {
    // The signature first: it costs no read, and a forged URL learns nothing about the video.
    if (path.token) {
      const check = checkToken(this.#secret, path.videoId, path.token, Math.floor(nowMs / 1000));
      if (check === 'invalid') throw new AppError(videoErrors.playback_token_invalid);
      if (check === 'expired') throw new AppError(videoErrors.playback_token_expired);
    }
    const video = await this.#lookup(path.videoId, nowMs);
    if (!video || video.status !== 'ready') throw new AppError(videoErrors.video_not_found);
    if (path.token || video.visibility === 'public') return;
    if (video.visibility === 'private') throw new AppError(videoErrors.video_not_found);
    throw new AppError(videoErrors.playback_token_required);
  }

  #lookup(id: VideoId, nowMs: number): Promise<Playability | null> {
    if (this.#rememberMs === 0) return this.#read(id);
    const known = this.#remembered.get(id);
    if (known && known.until > nowMs) return known.value;
    if (this.#remembered.size >= MAX_REMEMBERED) this.#remembered.clear();
    const value = this.#read(id);
    this.#remembered.set(id, { until: nowMs + this.#rememberMs, value });
    // A failed read (engine down) is not remembered: the next request tries again.
    value.catch(() => this.#remembered.delete(id));
    return value;
  }

  async #read(id: VideoId): Promise<Playability | null> {
    const row = await this.#db.selectFrom('video').select(['status', 'visibility']).where('id', '=', id).executeTakeFirst();
    return row ? { status: row.status as VideoStatus, visibility: row.visibility as Visibility } : null;
  }
}
