/**
 * The Delivery Service's tables: the key directory (one-time packages are deleted when
 * claimed; at most one last-resort package per device, kept), each conversation's public
 * group state (the epoch column is the compare-and-set that admits one commit per epoch),
 * and the Welcome inbox (a Welcome stored once, one recipient row per device it adds).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface MlsTables {
  chat_mls_key_package: {
    id: string;
    device_id: string;
    /** Hex KeyPackageRef; unique, so a package is stored (and handed out) once. */
    ref: string;
    /** The MLSMessage bytes as uploaded. */
    body: Uint8Array;
    last_resort: number;
    created_at: number;
  };
  chat_mls_group: {
    conversation_id: string;
    epoch: number;
    group_context: Uint8Array;
    ratchet_tree: Uint8Array;
    confirmation_tag: Uint8Array;
    created_at: number;
    updated_at: number;
  };
  chat_mls_welcome: { id: string; conversation_id: string; epoch: number; commit_seq: number; body: Uint8Array; created_at: number };
  chat_mls_welcome_recipient: { device_id: string; welcome_id: string };
}

export const mlsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('chat_mls_key_package')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('device_id', 'bigint', (c) => c.notNull().references('chat_device.id').onDelete('cascade'))
      .addColumn('ref', 'text', (c) => c.notNull().unique())
      // 'bytea' is PostgreSQL's binary type; SQLite stores blobs unchanged under any declared type.
      .addColumn('body', 'bytea', (c) => c.notNull())
      .addColumn('last_resort', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // Claims take the oldest one-time package of a device; the last-resort one is looked up the same way.
    await db.schema.createIndex('chat_mls_key_package_device').on('chat_mls_key_package').columns(['device_id', 'last_resort', 'id']).execute();

    await db.schema
      .createTable('chat_mls_group')
      .addColumn('conversation_id', 'bigint', (c) => c.primaryKey().references('chat_conversation.id').onDelete('cascade'))
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .addColumn('group_context', 'bytea', (c) => c.notNull())
      .addColumn('ratchet_tree', 'bytea', (c) => c.notNull())
      .addColumn('confirmation_tag', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('chat_mls_welcome')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('chat_conversation.id').onDelete('cascade'))
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .addColumn('commit_seq', 'bigint', (c) => c.notNull())
      .addColumn('body', 'bytea', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('chat_mls_welcome_recipient')
      .addColumn('device_id', 'bigint', (c) => c.notNull())
      .addColumn('welcome_id', 'bigint', (c) => c.notNull().references('chat_mls_welcome.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('chat_mls_welcome_recipient_pk', ['device_id', 'welcome_id'])
      .execute();
    await db.schema.createIndex('chat_mls_welcome_recipient_welcome').on('chat_mls_welcome_recipient').columns(['welcome_id']).execute();
  },
};
