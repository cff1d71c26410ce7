/**
 * The chat core's tables: devices (with a per-account counter that makes "first device
 * is free" and the device limit race-safe), conversations (a unique key on the sorted
 * account pair makes a direct conversation exist at most once), members, the message log
 * (primary key `(conversation_id, seq)`; a unique index on `(sender_device_id,
 * client_message_id)` recognises resends) and per-device acked cursors.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { mlsMigration } from './mls/migrations.ts';

export interface ChatTables {
  chat_device: { id: string; account_id: string; name: string; public_key: string; created_at: number; removed_at: number | null };
  /** One row per account that ever registered a device; `active_devices` is updated in the same transaction as each registration or removal. */
  chat_account_devices: { account_id: string; active_devices: number };
  chat_conversation: {
    id: string;
    type: 'direct' | 'group';
    title: string | null;
    avatar_blob_key: string | null;
    /** `<smaller account id>:<larger>` for a direct conversation, null for a group. */
    direct_key: string | null;
    created_by: string;
    created_at: number;
    last_seq: number;
    last_activity_at: number;
  };
  chat_member: {
    conversation_id: string;
    account_id: string;
    role: 'admin' | 'member';
    joined_at: number;
    /** The log's end when the account joined: it sees entries after this seq only. */
    visible_from_seq: number;
    read_seq: number;
  };
  chat_message: {
    conversation_id: string;
    seq: number;
    id: string;
    sender_account_id: string;
    sender_device_id: string | null;
    client_message_id: string | null;
    kind: string;
    body: Uint8Array;
    sent_at: number;
    stored_at: number;
    ref_seq: number | null;
    deleted: number;
  };
  chat_cursor: { device_id: string; conversation_id: string; acked_seq: number; updated_at: number };
}

export const chatMigrations: Record<string, Migration> = {
  'chat/0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chat_device')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .execute();
      await db.schema.createIndex('chat_device_account').on('chat_device').columns(['account_id', 'id']).execute();
      await db.schema
        .createTable('chat_account_devices')
        .addColumn('account_id', 'bigint', (c) => c.primaryKey().references('account.id').onDelete('cascade'))
        .addColumn('active_devices', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('chat_conversation')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('title', 'text')
        .addColumn('avatar_blob_key', 'text')
        .addColumn('direct_key', 'text', (c) => c.unique())
        .addColumn('created_by', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('chat_member')
        .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('chat_conversation.id').onDelete('cascade'))
        .addColumn('account_id', 'bigint', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addColumn('visible_from_seq', 'bigint', (c) => c.notNull())
        .addColumn('read_seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_member_pk', ['conversation_id', 'account_id'])
        .execute();
      await db.schema.createIndex('chat_member_account').on('chat_member').columns(['account_id', 'conversation_id']).execute();

      await db.schema
        .createTable('chat_message')
        .addColumn('conversation_id', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('id', 'bigint', (c) => c.notNull())
        .addColumn('sender_account_id', 'bigint', (c) => c.notNull())
        .addColumn('sender_device_id', 'bigint')
        .addColumn('client_message_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        // 'bytea' is PostgreSQL's binary type; SQLite stores blobs unchanged under any declared type.
        .addColumn('body', 'bytea', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'bigint', (c) => c.notNull())
        .addColumn('ref_seq', 'bigint')
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_message_pk', ['conversation_id', 'seq'])
        .execute();
      await db.schema.createIndex('chat_message_client_id').on('chat_message').columns(['sender_device_id', 'client_message_id']).unique().execute();
      await db.schema.createIndex('chat_message_stored_at').on('chat_message').columns(['stored_at']).execute();

      await db.schema
        .createTable('chat_cursor')
        .addColumn('device_id', 'bigint', (c) => c.notNull())
        .addColumn('conversation_id', 'bigint', (c) => c.notNull())
        .addColumn('acked_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_cursor_pk', ['device_id', 'conversation_id'])
        .execute();
      await db.schema.createIndex('chat_cursor_conversation').on('chat_cursor').columns(['conversation_id', 'acked_seq']).execute();
    },
  },
  'chat/0002_cursor_activity': {
    async up(db: Kysely<any>) {
      // The until-delivered sweeper looks only at conversations whose cursors moved since its last round.
      await db.schema.createIndex('chat_cursor_updated_at').on('chat_cursor').columns(['updated_at']).execute();
    },
  },
  'chat/0003_attachments': {
    async up(db: Kysely<any>) {
      // Encrypted attachment metadata (attachments/store.ts): ciphertext size and digest, never a key.
      // No cascade from the conversation: a row must go with its blob, which only the sweeper deletes.
      await db.schema
        .createTable('chat_attachment')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('conversation_id', 'bigint', (c) => c.notNull())
        .addColumn('uploader_account_id', 'bigint', (c) => c.notNull())
        .addColumn('uploader_device_id', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint')
        .addColumn('sha256', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'bigint')
        .execute();
      // The sweeper's two scans: stored ones by age, unfinished ones by start.
      await db.schema.createIndex('chat_attachment_expiry').on('chat_attachment').columns(['state', 'stored_at']).execute();
      await db.schema.createIndex('chat_attachment_started').on('chat_attachment').columns(['state', 'started_at']).execute();
    },
  },
  // The MLS Delivery Service's tables (key directory, group state, Welcome inbox): mls/migrations.ts.
  'chat/0004_mls': mlsMigration,
};
