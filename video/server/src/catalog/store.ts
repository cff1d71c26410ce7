/**
 * SQL of the catalog: keyset pages of a channel's videos and of the latest public ones
 * (newest first by id, which is time-ordered), the published videos among search hits,
 * metadata updates and deletes. The state changes run in the caller's transaction,
 * beside the outbox rows that announce them.
 */
import type { Kysely } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { ChannelId, VideoId } from '../ids.ts';
import type { VideoTables } from '../migrations.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';

/** What a listing shows of a video. */
export interface VideoSummaryRow {
  id: VideoId;
  channelId: ChannelId;
  title: string;
  visibility: Visibility;
  status: VideoStatus;
  durationSec: number | null;
  viewCount: number;
  createdAt: number;
  /** Blob key of the poster once ready. */
  posterKey: string | null;
}

const SUMMARY_COLUMNS = ['id', 'channel_id', 'title', 'visibility', 'status', 'duration_sec', 'view_count', 'created_at', 'outputs'] as const;

type SummarySource = Pick<VideoTables['video'], (typeof SUMMARY_COLUMNS)[number]>;

function toSummary(r: SummarySource): VideoSummaryRow {
  const outputs = r.outputs ? (JSON.parse(r.outputs) as { poster?: string }) : null;
  return {
    id: String(r.id) as VideoId,
    channelId: String(r.channel_id) as ChannelId,
    title: r.title,
    visibility: r.visibility as Visibility,
    status: r.status as VideoStatus,
    durationSec: r.duration_sec === null ? null : Number(r.duration_sec),
    viewCount: Number(r.view_count ?? 0),
    createdAt: Number(r.created_at),
    posterKey: outputs?.poster ?? null,
  };
}

/**
 * A page of a channel's videos, newest first, after `beforeId`. `publishedOnly` keeps
 * public, ready videos (what anyone but the owner sees).
 */
export async function channelVideos(db: VideoDb, o: { channelId: ChannelId; publishedOnly: boolean; beforeId?: VideoId; limit: number }): Promise<VideoSummaryRow[]> {
  let query = db.selectFrom('video').select(SUMMARY_COLUMNS).where('channel_id', '=', o.channelId);
  if (o.publishedOnly) query = query.where('visibility', '=', 'public').where('status', '=', 'ready');
  if (o.beforeId) query = query.where('id', '<', o.beforeId);
  return (await query.orderBy('id', 'desc').limit(o.limit).execute()).map(toSummary);
}

/** A page of the latest public, ready videos (index video_published: visibility, status, id). */
export async function latestPublicVideos(db: VideoDb, o: { beforeId?: VideoId; limit: number }): Promise<VideoSummaryRow[]> {
  let query = db.selectFrom('video').select(SUMMARY_COLUMNS).where('visibility', '=', 'public').where('status', '=', 'ready');
  if (o.beforeId) query = query.where('id', '<', o.beforeId);
  return (await query.orderBy('id', 'desc').limit(o.limit).execute()).map(toSummary);
}

/** The public, ready videos among `ids`, by id (search results are hydrated from here). */
export async function publishedSummaries(db: VideoDb, ids: readonly VideoId[]): Promise<Map<VideoId, VideoSummaryRow & { description: string; tags: string[] }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('video')
    .select([...SUMMARY_COLUMNS, 'description', 'tags'])
    .where('id', 'in', [...ids])
    .where('visibility', '=', 'public')
    .where('status', '=', 'ready')
    .execute();
  return new Map(rows.map((r) => [String(r.id) as VideoId, { ...toSummary(r), description: r.description, tags: JSON.parse(r.tags) as string[] }]));
}

export interface VideoMetadataChange {
  title?: string;
  description?: string;
  tags?: string[];
  visibility?: Visibility;
}

export async function updateVideoMetadata(db: Kysely<any>, id: VideoId, change: VideoMetadataChange): Promise<void> {
  await (db as VideoDb)
    .updateTable('video')
    .set({
      ...(change.title !== undefined ? { title: change.title } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.tags !== undefined ? { tags: JSON.stringify(change.tags) } : {}),
      ...(change.visibility !== undefined ? { visibility: change.visibility } : {}),
      updated_at: Date.now(),
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes the video (its captions and progress cascade); false when it was already gone. */
export async function deleteVideo(db: Kysely<any>, id: VideoId): Promise<boolean> {
  const result = await (db as VideoDb).deleteFrom('video').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
