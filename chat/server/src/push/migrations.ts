/**
 * Web Push state in SQL: each device's push subscriptions (RFC 8030 endpoint plus its
 * RFC 8291 keys), keyed by a hash of the endpoint so one browser registration belongs to
 * exactly one device, and the server's VAPID key pair when none is configured — in SQL
 * rather than DATA_DIR so every node of a cluster signs with the same key (a
 * subscription is bound to the application server key it was created with).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface PushTables {
  chat_push_subscription: { endpoint_hash: string; endpoint: string; device_id: string; account_id: string; p256dh: string; auth: string; created_at: number };
  chat_push_vapid: { id: number; public_key: string; private_key: string; created_at: number };
}

export const pushMigrations: Record<string, Migration> = {
  'chat/0100_push_subscriptions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chat_push_subscription')
        .addColumn('endpoint_hash', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('device_id', 'bigint', (c) => c.notNull())
        .addColumn('account_id', 'bigint', (c) => c.notNull())
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('chat_push_subscription_device').on('chat_push_subscription').column('device_id').execute();
      await db.schema
        .createTable('chat_push_vapid')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
