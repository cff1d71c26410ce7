/**
 * The table that remembers a POST's response under its Idempotency-Key.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface IdempotencyTables {
  idempotency_record: {
    scope: string;
    key: string;
    request_hash: string;
    /** `in_flight` until the response is stored, then `done`. */
    state: 'in_flight' | 'done';
    status_code: number | null;
    content_type: string | null;
    body: string | null;
    created_at: number;
    expires_at: number;
  };
}

export const idempotencyMigrations: Record<string, Migration> = {
  'idempotency/0001_records': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idempotency_record')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('content_type', 'text')
        .addColumn('body', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_record_pk', ['scope', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_record_expires').on('idempotency_record').column('expires_at').execute();
    },
  },
};
