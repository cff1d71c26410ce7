/** SQL of watch progress: one upserted row per (account, video), so a player may save every few seconds. */
import type { VideoDb } from '../db.ts';
import type { AccountId, VideoId } from '../ids.ts';

export async function saveProgress(db: VideoDb, o: { accountId: AccountId; videoId: VideoId; positionSec: number; at: number }): Promise<void> {
  await db
    .insertInto('video_watch_progress')
    .values({ account_id: o.accountId, video_id: o.videoId, position_sec: o.positionSec, updated_at: o.at })
    .onConflict((oc) => oc.columns(['account_id', 'video_id']).doUpdateSet({ position_sec: o.positionSec, updated_at: o.at }))
    .execute();
}

export async function readProgress(db: VideoDb, accountId: AccountId, videoId: VideoId): Promise<{ positionSec: number; updatedAt: number } | undefined> {
  const row = await db.selectFrom('video_watch_progress').select(['position_sec', 'updated_at']).where('account_id', '=', accountId).where('video_id', '=', videoId).executeTakeFirst();
  return row ? { positionSec: Number(row.position_sec), updatedAt: Number(row.updated_at) } : undefined;
}
