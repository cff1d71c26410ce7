/**
 * SQL of views: one write-behind batch applied in one transaction — every video's
 * `view_count` raised by a single `UPDATE … CASE` and every (video, hour) bucket raised by
 * a single `INSERT … ON CONFLICT DO UPDATE` — whatever the number of views behind it.
 */
import { sql } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';

export interface BucketCount {
  videoId: VideoId;
  bucketStart: number;
  views: number;
}

/** Rows per statement: keeps the bound parameters far below SQLite's and PostgreSQL's limits. */
const STATEMENT_ROWS = 500;

export async function applyViewCounts(db: VideoDb, counts: readonly BucketCount[]): Promise<void> {
  const perVideo = new Map<VideoId, number>();
  for (const c of counts) perVideo.set(c.videoId, (perVideo.get(c.videoId) ?? 0) + c.views);
  await db.transaction().execute(async (trx) => {
    const videos = [...perVideo];
    for (let i = 0; i < videos.length; i += STATEMENT_ROWS) {
      const slice = videos.slice(i, i + STATEMENT_ROWS);
      // Counts are integers we computed, inlined as literals: a bound parameter in CASE has no type PostgreSQL can infer.
      const increment = sql<number>`case ${sql.join(slice.map(([id, n]) => sql`when id = ${id} then ${sql.lit(n)}`), sql` `)} else 0 end`;
      await trx
        .updateTable('video')
        .set((eb) => ({ view_count: eb('view_count', '+', increment) }))
        .where('id', 'in', slice.map(([id]) => id))
        .execute();
    }
    for (let i = 0; i < counts.length; i += STATEMENT_ROWS) {
      await trx
        .insertInto('video_view_bucket')
        .values(counts.slice(i, i + STATEMENT_ROWS).map((c) => ({ video_id: c.videoId, bucket_start: c.bucketStart, views: c.views })))
        .onConflict((oc) => oc.columns(['video_id', 'bucket_start']).doUpdateSet((eb) => ({ views: eb('video_view_bucket.views', '+', eb.ref('excluded.views')) })))
        .execute();
    }
  });
}

/** The stored (flushed) view counts of some videos; absent ids are missing from the map. */
export async function readViewCounts(db: VideoDb, ids: readonly VideoId[]): Promise<Map<VideoId, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('video').select(['id', 'view_count']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [String(r.id) as VideoId, Number(r.view_count)]));
}
