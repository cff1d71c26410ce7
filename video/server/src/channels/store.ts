/** SQL of channels: insert, list an account's channels, read one (owned or any), update, delete with its videos. */
import type { Kysely } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { AccountId, ChannelId, VideoId } from '../ids.ts';

export interface ChannelRow {
  id: ChannelId;
  accountId: AccountId;
  name: string;
  description: string;
  createdAt: number;
}

function toChannel(row: { id: unknown; account_id: unknown; name: string; description: string; created_at: unknown }): ChannelRow {
  return { id: String(row.id) as ChannelId, accountId: String(row.account_id) as AccountId, name: row.name, description: row.description, createdAt: Number(row.created_at) };
}

export async function insertChannel(db: VideoDb, channel: ChannelRow): Promise<void> {
  await db
    .insertInto('video_channel')
    .values({ id: channel.id, account_id: channel.accountId, name: channel.name, description: channel.description, created_at: channel.createdAt })
    .execute();
}

export async function listChannels(db: VideoDb, accountId: AccountId): Promise<ChannelRow[]> {
  const rows = await db.selectFrom('video_channel').selectAll().where('account_id', '=', accountId).orderBy('id').limit(1000).execute();
  return rows.map(toChannel);
}

export async function findOwnedChannel(db: VideoDb, accountId: AccountId, id: ChannelId): Promise<ChannelRow | undefined> {
  const row = await db.selectFrom('video_channel').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return row ? toChannel(row) : undefined;
}

/** Any account's channel: channels are public, like their published videos. */
export async function findChannel(db: VideoDb, id: ChannelId): Promise<ChannelRow | undefined> {
  const row = await db.selectFrom('video_channel').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toChannel(row) : undefined;
}

export async function updateChannel(db: VideoDb, id: ChannelId, change: { name?: string; description?: string }): Promise<void> {
  await db.updateTable('video_channel').set(change).where('id', '=', id).execute();
}

/** Deletes the channel and its videos (their captions and progress cascade); resolves the ids of the videos removed. */
export async function deleteChannel(db: Kysely<any>, id: ChannelId): Promise<VideoId[]> {
  const videos = db as VideoDb;
  const ids = (await videos.selectFrom('video').select('id').where('channel_id', '=', id).execute()).map((r) => String(r.id) as VideoId);
  await videos.deleteFrom('video').where('channel_id', '=', id).execute();
  await videos.deleteFrom('video_channel').where('id', '=', id).execute();
  return ids;
}
