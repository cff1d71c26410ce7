/**
 * SQL of trending: the decayed score of every public, ready video with recent views,
 * summed in the database over its hourly view buckets — score = Σ views × 2^(−age/half-life),
 * the age taken at the middle of each hour — and the pruning of buckets too old to matter.
 * Both engines have `exp` (SQLite's math functions are built into better-sqlite3).
 */
import { sql } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { HOUR_MS } from '../views/view-counter.ts';

/** Views older than this many half-lives weigh under 1/1000 of a fresh one: they are ignored, then pruned. */
export const HORIZON_HALF_LIVES = 10;

export interface TrendingScore {
  videoId: VideoId;
  score: number;
}

export async function decayedScores(db: VideoDb, o: { now: number; halfLifeMs: number; limit: number }): Promise<TrendingScore[]> {
  const since = o.now - HORIZON_HALF_LIVES * o.halfLifeMs;
  const perMs = Math.LN2 / o.halfLifeMs;
  const score = sql<number>`sum(b.views * exp(cast(b.bucket_start - ${o.now - HOUR_MS / 2} as double precision) * ${perMs}))`;
  const rows = await db
    .selectFrom('video_view_bucket as b')
    .innerJoin('video as v', 'v.id', 'b.video_id')
    .select(['b.video_id', score.as('score')])
    .where('b.bucket_start', '>=', since - HOUR_MS)
    .where('b.bucket_start', '<=', o.now)
    .where('v.visibility', '=', 'public')
    .where('v.status', '=', 'ready')
    .groupBy('b.video_id')
    .orderBy('score', 'desc')
    .orderBy('b.video_id', 'desc')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ videoId: String(r.video_id) as VideoId, score: Number(r.score) }));
}

/** Deletes buckets older than the horizon (with an hour of slack); resolves how many. */
export async function pruneBuckets(db: VideoDb, o: { now: number; halfLifeMs: number }): Promise<number> {
  const result = await db
    .deleteFrom('video_view_bucket')
    .where('bucket_start', '<', o.now - HORIZON_HALF_LIVES * o.halfLifeMs - HOUR_MS)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface TrendingVideoRow {
  id: VideoId;
  channelId: string;
  title: string;
  durationSec: number | null;
  viewCount: number;
  createdAt: number;
  poster: string | null;
}

/** The public, ready videos among `ids` (others have changed since the list was computed). */
export async function listedVideos(db: VideoDb, ids: readonly VideoId[]): Promise<Map<VideoId, TrendingVideoRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('video')
    .select(['id', 'channel_id', 'title', 'duration_sec', 'view_count', 'created_at', 'outputs'])
    .where('id', 'in', [...ids])
    .where('visibility', '=', 'public')
    .where('status', '=', 'ready')
    .execute();
  return new Map(
    rows.map((r) => {
      const id = String(r.id) as VideoId;
      const outputs = r.outputs ? (JSON.parse(r.outputs) as { poster?: string }) : null;
      return [
        id,
        {
          id,
          channelId: String(r.channel_id),
          title: r.title,
          durationSec: r.duration_sec === null ? null : Number(r.duration_sec),
          viewCount: Number(r.view_count),
          createdAt: Number(r.created_at),
          poster: outputs?.poster ?? null,
        },
      ];
    }),
  );
}
