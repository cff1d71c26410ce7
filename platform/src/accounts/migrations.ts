/**
 * Accounts and their sign-in sessions. A session is one refresh-token family: every
 * rotation adds a token to the family, and presenting a rotated token again revokes the
 * whole family (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface AccountTables {
  account: { id: string; handle: string; handle_key: string; password_hash: string; created_at: number };
  auth_session: { id: string; account_id: string; created_at: number; expires_at: number; revoked_at: number | null; revoked_reason: string | null };
  refresh_token: { id: string; session_id: string; token_hash: string; created_at: number; expires_at: number; used_at: number | null };
}

export const accountMigrations: Record<string, Migration> = {
  'accounts/0001_accounts_sessions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('account')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('handle_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auth_session')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('account.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_reason', 'text')
        .execute();
      await db.schema.createIndex('auth_session_account').on('auth_session').column('account_id').execute();
      await db.schema
        .createTable('refresh_token')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('session_id', 'bigint', (c) => c.notNull().references('auth_session.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_token_session').on('refresh_token').column('session_id').execute();
    },
  },
};
