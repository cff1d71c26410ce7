/** SQL of captions: one row per (video, language), replaced in place by a new upload. */
import type { VideoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';

export interface CaptionRow {
  videoId: VideoId;
  lang: string;
  label: string;
  version: string;
  bytes: number;
  cues: number;
  createdAt: number;
  updatedAt: number;
}

type Row = { video_id: unknown; lang: string; label: string; version: unknown; bytes: unknown; cues: unknown; created_at: unknown; updated_at: unknown };

const toCaption = (r: Row): CaptionRow => ({
  videoId: String(r.video_id) as VideoId,
  lang: r.lang,
  label: r.label,
  version: String(r.version),
  bytes: Number(r.bytes),
  cues: Number(r.cues),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export async function listCaptions(db: VideoDb, videoId: VideoId): Promise<CaptionRow[]> {
  const rows = await db.selectFrom('video_caption').selectAll().where('video_id', '=', videoId).orderBy('lang').execute();
  return rows.map(toCaption);
}

/** Inserts or replaces the caption; resolves the row it replaced, if any. */
export async function upsertCaption(db: VideoDb, c: CaptionRow): Promise<CaptionRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('video_caption').selectAll().where('video_id', '=', c.videoId).where('lang', '=', c.lang).executeTakeFirst();
    const values = { label: c.label, version: c.version, bytes: c.bytes, cues: c.cues, updated_at: c.updatedAt };
    if (previous) await trx.updateTable('video_caption').set(values).where('video_id', '=', c.videoId).where('lang', '=', c.lang).execute();
    else await trx.insertInto('video_caption').values({ video_id: c.videoId, lang: c.lang, created_at: c.createdAt, ...values }).execute();
    return previous ? toCaption(previous) : undefined;
  });
}

/** Deletes the caption; resolves the deleted row, or undefined when there was none. */
export async function deleteCaption(db: VideoDb, videoId: VideoId, lang: string): Promise<CaptionRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('video_caption').selectAll().where('video_id', '=', videoId).where('lang', '=', lang).executeTakeFirst();
    if (row) await trx.deleteFrom('video_caption').where('video_id', '=', videoId).where('lang', '=', lang).execute();
    return row ? toCaption(row) : undefined;
  });
}
