/**
 * Tables of video ingest: channels (owned by an account) and videos (in a channel) with
 * their status machine, probe metadata, outputs and parallel-mode chunk counter; then
 * view counts with hourly view buckets (trending), captions and watch progress; then the
 * index of the latest public videos and the search index (engine-specific, search/).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { searchIndexFor, type SearchIndex } from './search/index.ts';
import { reindexVideos } from './search/reindex.ts';

export interface VideoTables {
  video_channel: { id: string; account_id: string; name: string; description: string; created_at: number };
  video: {
    id: string;
    channel_id: string;
    account_id: string;
    title: string;
    description: string;
    /** JSON array of strings. */
    tags: string;
    filename: string;
    visibility: string;
    status: string;
    failure_reason: string | null;
    failure_message: string | null;
    /** Declared upload length: what the account's quota counts. */
    size_bytes: number;
    duration_sec: number | null;
    width: number | null;
    height: number | null;
    /** JSON: probe info of the source. */
    source_info: string | null;
    /** JSON: rungs, poster and storyboard keys once ready. */
    outputs: string | null;
    chunks_total: number | null;
    chunks_done: number;
    created_at: number;
    updated_at: number;
    /**
     * Written behind from the cache in batches (views/), so it lags by up to one flush
     * interval. Optional in this type only: it has a default, so inserts may leave it out.
     */
    view_count?: number;
  };
  /** Views per video per hour (epoch ms of the hour's start): what trending decays. */
  video_view_bucket: { video_id: string; bucket_start: number; views: number };
  video_caption: {
    video_id: string;
    /** BCP 47 tag, canonical case (`en`, `pt-BR`). */
    lang: string;
    label: string;
    /** Names the stored files, so a replaced caption gets new URLs (CDN caches never serve the old one). */
    version: string;
    bytes: number;
    cues: number;
    created_at: number;
    updated_at: number;
  };
  video_watch_progress: { account_id: string; video_id: string; position_sec: number; updated_at: number };
}

export const videoMigrations: Record<string, Migration> = {
  'video/0001_channels_videos': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('video_channel')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('video_channel_account').on('video_channel').columns(['account_id', 'id']).execute();
      await db.schema
        .createTable('video')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('channel_id', 'bigint', (c) => c.notNull().references('video_channel.id').onDelete('cascade'))
        .addColumn('account_id', 'bigint', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failure_reason', 'text')
        .addColumn('failure_message', 'text')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('duration_sec', 'double precision')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('source_info', 'text')
        .addColumn('outputs', 'text')
        .addColumn('chunks_total', 'integer')
        .addColumn('chunks_done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('video_account').on('video').columns(['account_id', 'id']).execute();
      await db.schema.createIndex('video_channel_videos').on('video').columns(['channel_id', 'id']).execute();
    },
  },
  'video/0002_views_captions_progress': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('video').addColumn('view_count', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      // No foreign key to video: a flush must not fail because one video of its batch was
      // deleted meanwhile; trending joins on video and old buckets are pruned.
      await db.schema
        .createTable('video_view_bucket')
        .addColumn('video_id', 'bigint', (c) => c.notNull())
        .addColumn('bucket_start', 'bigint', (c) => c.notNull())
        .addColumn('views', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('video_view_bucket_pk', ['video_id', 'bucket_start'])
        .execute();
      await db.schema.createIndex('video_view_bucket_start').on('video_view_bucket').column('bucket_start').execute();
      await db.schema
        .createTable('video_caption')
        .addColumn('video_id', 'bigint', (c) => c.notNull().references('video.id').onDelete('cascade'))
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('cues', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('video_caption_pk', ['video_id', 'lang'])
        .execute();
      await db.schema
        .createTable('video_watch_progress')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('video_id', 'bigint', (c) => c.notNull().references('video.id').onDelete('cascade'))
        .addColumn('position_sec', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('video_watch_progress_pk', ['account_id', 'video_id'])
        .execute();
      // Deleting a video cascades here: without it that delete scans the whole table.
      await db.schema.createIndex('video_watch_progress_video').on('video_watch_progress').column('video_id').execute();
    },
  },
  'video/0003_catalog_search': {
    async up(db: Kysely<any>) {
      // The latest public videos: equality on visibility and status, then newest id first.
      await db.schema.createIndex('video_published').on('video').columns(['visibility', 'status', 'id']).execute();
      const index = searchIndexFor(db);
      await index.createSchema(db);
      // Videos published before the index existed.
      await reindexVideos(db, index, { batchSize: 500 });
    },
  },
  'video/0004_search_index_candidates': {
    async up(db: Kysely<any>) {
      // SQLite: a contentless FTS5 table and a small table of the filter columns replace the
      // first layout (filters read every match's whole document). Rebuilt, then refilled.
      await rebuildSearchIndex(db, searchIndexFor(db));
    },
  },
  'video/0005_search_index_newest_first': {
    async up(db: Kysely<any>) {
      // SQLite: both tables keyed by the negated video id, so newest first is FTS5's forward
      // order. Rebuilt, then refilled; PostgreSQL's index is unchanged.
      const index = searchIndexFor(db);
      if (index.name === 'sqlite-fts5') await rebuildSearchIndex(db, index);
    },
  },
};

/** A new layout of the search index: dropped, created again, refilled from `video`. */
async function rebuildSearchIndex(db: Kysely<any>, index: SearchIndex): Promise<void> {
  await index.dropSchema(db);
  await index.createSchema(db);
  await reindexVideos(db, index, { batchSize: 500 });
}
