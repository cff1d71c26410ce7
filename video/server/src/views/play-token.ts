/**
 * The play token binding a view beacon to the play it ends: issued when playback starts,
 * it carries the video, the viewer key, the start time and the watch time the view needs,
 * signed with the platform's cursor HMAC (so any node verifies it, and no state is kept
 * per play). The beacon therefore needs no SQL read: the token proves the caller could
 * watch the video when it started.
 */
import { AppError, type CursorCodec } from '@twin/platform';
import { videoErrors } from '../errors.ts';
import type { VideoId } from '../ids.ts';

/** A play older than this no longer counts: a view is reported while watching, not days later. */
export const PLAY_TOKEN_TTL_MS = 12 * 3_600_000;

export interface Play {
  videoId: VideoId;
  viewer: string;
  startedAt: number;
  /** Watch time this view needs: the minimum watch time, or the whole video when shorter. */
  requiredMs: number;
}

const scope = (videoId: VideoId) => `video-play:${videoId}`;

export function issuePlayToken(cursors: CursorCodec, play: Play): string {
  return cursors.encode(scope(play.videoId), [play.viewer, play.startedAt, play.requiredMs]);
}

export function readPlayToken(cursors: CursorCodec, videoId: VideoId, token: string, now: number): Play {
  let key: (string | number)[];
  try {
    key = cursors.decode(scope(videoId), token);
  } catch {
    throw new AppError(videoErrors.invalid_play_token);
  }
  const [viewer, startedAt, requiredMs] = key;
  if (typeof viewer !== 'string' || typeof startedAt !== 'number' || typeof requiredMs !== 'number') throw new AppError(videoErrors.invalid_play_token);
  if (now - startedAt > PLAY_TOKEN_TTL_MS) throw new AppError(videoErrors.invalid_play_token, 'The play token is over 12 hours old; start a new play.');
  return { videoId, viewer, startedAt, requiredMs };
}
