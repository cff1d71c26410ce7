/**
 * SQL of videos: the row written when an upload is created, the status transitions
 * (each guarded by the expected current status, so a redelivered job or a late upload
 * callback cannot move a video backwards), and the per-account quota sum.
 */
import type { Kysely } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { VideoTables } from '../migrations.ts';
import type { AccountId, ChannelId, VideoId } from '../ids.ts';
import type { VideoFailureReason, VideoStatus, Visibility } from './status.ts';

export interface VideoRow {
  id: VideoId;
  channelId: ChannelId;
  accountId: AccountId;
  title: string;
  description: string;
  tags: string[];
  filename: string;
  visibility: Visibility;
  status: VideoStatus;
  failureReason: VideoFailureReason | null;
  failureMessage: string | null;
  sizeBytes: number;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  sourceInfo: unknown;
  outputs: unknown;
  /** Parallel mode: parts (chunks + audio) planned, or null in single mode. */
  chunksTotal: number | null;
  /** Written behind by views/, so it lags by up to one flush interval. */
  viewCount: number;
  createdAt: number;
  updatedAt: number;
}

type Row = VideoTables['video'];

function toVideo(row: Row): VideoRow {
  return {
    id: String(row.id) as VideoId,
    channelId: String(row.channel_id) as ChannelId,
    accountId: String(row.account_id) as AccountId,
    title: row.title,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    filename: row.filename,
    visibility: row.visibility as Visibility,
    status: row.status as VideoStatus,
    failureReason: row.failure_reason as VideoFailureReason | null,
    failureMessage: row.failure_message,
    sizeBytes: Number(row.size_bytes),
    durationSec: row.duration_sec === null ? null : Number(row.duration_sec),
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    sourceInfo: row.source_info ? JSON.parse(row.source_info) : null,
    outputs: row.outputs ? JSON.parse(row.outputs) : null,
    chunksTotal: row.chunks_total === null ? null : Number(row.chunks_total),
    viewCount: Number(row.view_count ?? 0),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function insertVideo(db: VideoDb, v: Pick<VideoRow, 'id' | 'channelId' | 'accountId' | 'title' | 'description' | 'tags' | 'filename' | 'visibility' | 'sizeBytes'>): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('video')
    .values({
      id: v.id,
      channel_id: v.channelId,
      account_id: v.accountId,
      title: v.title,
      description: v.description,
      tags: JSON.stringify(v.tags),
      filename: v.filename,
      visibility: v.visibility,
      status: 'uploading',
      failure_reason: null,
      failure_message: null,
      size_bytes: v.sizeBytes,
      duration_sec: null,
      width: null,
      height: null,
      source_info: null,
      outputs: null,
      chunks_total: null,
      chunks_done: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function findVideo(db: VideoDb, id: VideoId): Promise<VideoRow | undefined> {
  const row = await db.selectFrom('video').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toVideo(row as Row) : undefined;
}

/** Bytes the account has uploaded or declared for uploads in progress (failed videos free theirs). */
export async function accountUsedBytes(db: VideoDb, accountId: AccountId): Promise<number> {
  const row = await db
    .selectFrom('video')
    .select((eb) => eb.fn.sum<number | string | null>('size_bytes').as('used'))
    .where('account_id', '=', accountId)
    .where('status', '!=', 'failed')
    .executeTakeFirst();
  return Number(row?.used ?? 0);
}

/** Moves the video to `to` if it is in one of `from`; false when it was not (someone else moved it). */
export async function transition(
  db: Kysely<any>,
  id: VideoId,
  from: readonly VideoStatus[],
  to: VideoStatus,
  fields: Partial<Pick<Row, 'failure_reason' | 'failure_message' | 'duration_sec' | 'width' | 'height' | 'source_info' | 'outputs' | 'chunks_total' | 'chunks_done'>> = {},
): Promise<boolean> {
  const result = await (db as VideoDb)
    .updateTable('video')
    .set({ ...fields, status: to, updated_at: Date.now() })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ids of videos still `uploading` whose row was last touched before `before` (abandoned uploads). */
export async function staleUploadingVideos(db: VideoDb, before: number): Promise<VideoId[]> {
  const rows = await db.selectFrom('video').select('id').where('status', '=', 'uploading').where('updated_at', '<', before).limit(500).execute();
  return rows.map((r) => String(r.id) as VideoId);
}
