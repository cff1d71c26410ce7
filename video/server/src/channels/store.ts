/** SQL of channels: insert, list an account's channels, read one owned by an account. */
import type { VideoDb } from '../db.ts';
import type { AccountId, ChannelId } from '../ids.ts';

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
