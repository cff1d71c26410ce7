/**
 * Tables of video ingest: channels (owned by an account) and videos (in a channel) with
 * their status machine, probe metadata, outputs and parallel-mode chunk counter.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

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
  };
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
};
