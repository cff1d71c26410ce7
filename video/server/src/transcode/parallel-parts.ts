/**
 * Bookkeeping of parallel mode. Parts (video chunks and the audio) are encoded by
 * different transcoders, possibly on different machines, so they meet in the blob seam
 * under `videos/<id>/parts/`. Each finished part is counted once in SQL — the count and
 * the job's dedupe mark commit together, so a redelivered part does not count twice — and
 * the transaction that counts the last part also writes the stitch job to the outbox.
 */
import type { VideoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import type { JobContext } from './job-context.ts';
import { transcodeJob } from './jobs.ts';
import { TRANSCODERS_GROUP } from './group.ts';

export const partsPrefix = (id: VideoId) => `videos/${id}/parts/`;
export const chunkPrefix = (id: VideoId, index: number) => `${partsPrefix(id)}chunk-${String(index).padStart(5, '0')}/`;
export const audioPrefix = (id: VideoId) => `${partsPrefix(id)}audio/`;

/** Counts this job's part as done (once per job event); resolves to the progress fraction. */
export async function countPartDone(db: VideoDb, context: JobContext, videoId: VideoId): Promise<number> {
  const { platform } = context;
  let stitch = false;
  const fraction = await db.transaction().execute(async (trx) => {
    const fresh = await platform.bus.markProcessed(trx, TRANSCODERS_GROUP, [context.eventId]);
    if (fresh.length > 0) await trx.updateTable('video').set((eb) => ({ chunks_done: eb('chunks_done', '+', 1) })).where('id', '=', videoId).execute();
    const row = await trx.selectFrom('video').select(['chunks_done', 'chunks_total']).where('id', '=', videoId).executeTakeFirstOrThrow();
    const done = Number(row.chunks_done);
    const total = Number(row.chunks_total ?? 0);
    if (fresh.length > 0 && done === total) {
      await platform.bus.writeOutbox(trx, [transcodeJob({ type: 'video.stitch', payload: { videoId } })]);
      stitch = true;
    }
    return total > 0 ? done / total : 0;
  });
  if (stitch) platform.outboxRelay.notify();
  return fraction;
}
