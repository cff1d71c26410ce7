/**
 * Rebuilds the search index from the `video` table while search keeps answering: the
 * live index is corrected in place, batch by batch, never emptied or swapped. Pass one
 * walks every video by id and re-syncs each batch in its own short transaction (public
 * and ready → upserted, anything else → removed); pass two walks the index and drops
 * entries whose video no longer exists. Each batch locks only its own rows (sync-videos.ts),
 * so the event consumer can run at the same time: whichever writes last wrote the truth
 * it read under that lock. A query sees every video at all times, in its old or new form.
 *
 * A shadow table swapped in at the end would also survive a change of schema or
 * tokenizer, but must replay every change made while it was built; such changes come
 * with a migration instead, and this rebuild repairs content (missed events, a restored
 * backup, videos that predate the index).
 */
import type { Kysely } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import type { SearchIndex } from './interface.ts';
import { syncVideos } from './sync-videos.ts';

export interface ReindexReport {
  videos: number;
  indexed: number;
  removed: number;
}

export async function reindexVideos(db: Kysely<any>, index: SearchIndex, o: { batchSize: number; onBatch?: (report: ReindexReport) => void }): Promise<ReindexReport> {
  const report: ReindexReport = { videos: 0, indexed: 0, removed: 0 };
  // Inside a migration the caller's transaction is all there is (Kysely does not nest them).
  const inTransaction = <T>(fn: (trx: Kysely<any>) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  const videos = db as VideoDb;

  for (let after = '0'; ; ) {
    const rows = await videos.selectFrom('video').select('id').where('id', '>', after).orderBy('id').limit(o.batchSize).execute();
    if (rows.length === 0) break;
    const ids = rows.map((r) => String(r.id) as VideoId);
    const done = await inTransaction((trx) => syncVideos(trx, index, ids));
    report.videos += ids.length;
    report.indexed += done.indexed;
    report.removed += done.removed;
    o.onBatch?.(report);
    after = ids.at(-1)!;
  }

  for (let after: VideoId | null = null; ; ) {
    const ids = await index.indexedIds(db, after, o.batchSize);
    if (ids.length === 0) break;
    const existing = new Set((await videos.selectFrom('video').select('id').where('id', 'in', ids).execute()).map((r) => String(r.id)));
    const orphans = ids.filter((id) => !existing.has(id));
    if (orphans.length > 0) report.removed += (await inTransaction((trx) => syncVideos(trx, index, orphans))).removed;
    after = ids.at(-1)!;
  }
  return report;
}
