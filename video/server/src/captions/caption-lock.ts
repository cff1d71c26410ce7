/**
 * Serializes caption changes of one video across nodes with a cache lock (SET NX + TTL),
 * because each change rewrites the video's master playlist from the caption list: two
 * changes interleaving could write a master missing one of them. The TTL frees the lock
 * of a node that died holding it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, platformErrors } from '@twin/platform';
import type { Cache } from '@twin/platform/cache';
import type { VideoId } from '../ids.ts';

const LOCK_TTL_MS = 30_000;
const WAIT_MS = 10_000;
const POLL_MS = 20;

export async function withCaptionLock<T>(cache: Cache, videoId: VideoId, fn: () => Promise<T>): Promise<T> {
  const key = `video:captions:lock:${videoId}`;
  const token = randomBytes(9).toString('base64url');
  const deadline = Date.now() + WAIT_MS;
  while (!(await cache.set(key, token, { onlyIfAbsent: true, ttlMs: LOCK_TTL_MS }))) {
    if (Date.now() > deadline) throw new AppError(platformErrors.engine_unavailable, 'Another caption change of this video is taking too long; retry.');
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    // Only our own lock: if it expired and another node holds it now, leave theirs alone.
    if ((await cache.get(key)) === token) await cache.delete(key);
  }
}
