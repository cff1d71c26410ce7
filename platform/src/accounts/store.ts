/**
 * SQL for accounts, sessions and refresh tokens. Marking a refresh token used is a
 * compare-and-set, so two concurrent refreshes with one token cannot both succeed.
 */
import type { Kysely } from 'kysely';
import type { AccountTables } from './migrations.ts';

export type AccountRow = AccountTables['account'];
export type SessionRow = AccountTables['auth_session'];
export type RefreshTokenRow = AccountTables['refresh_token'];

export class AccountStore {
  readonly db: Kysely<AccountTables>;

  constructor(db: Kysely<any>) {
    this.db = db;
  }

  async insertAccount(row: AccountRow): Promise<void> {
    await this.db.insertInto('account').values(row).execute();
  }

  findAccountByHandleKey(handleKey: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom('account').selectAll().where('handle_key', '=', handleKey).executeTakeFirst();
  }

  findAccount(id: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertSession(session: SessionRow, token: RefreshTokenRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('auth_session').values(session).execute();
      await trx.insertInto('refresh_token').values(token).execute();
    });
  }

  findRefreshToken(id: string): Promise<(RefreshTokenRow & { account_id: string; revoked_at: number | null; session_expires_at: number }) | undefined> {
    return this.db
      .selectFrom('refresh_token')
      .innerJoin('auth_session', 'auth_session.id', 'refresh_token.session_id')
      .selectAll('refresh_token')
      .select(['auth_session.account_id', 'auth_session.revoked_at', 'auth_session.expires_at as session_expires_at'])
      .where('refresh_token.id', '=', id)
      .executeTakeFirst();
  }

  /** Marks `oldId` used and adds `next` to the family; false when `oldId` was already used. */
  async rotateRefreshToken(oldId: string, next: RefreshTokenRow, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const marked = await trx.updateTable('refresh_token').set({ used_at: now }).where('id', '=', oldId).where('used_at', 'is', null).executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      await trx.insertInto('refresh_token').values(next).execute();
      return true;
    });
  }

  async revokeSession(sessionId: string, reason: string, now: number): Promise<void> {
    await this.db.updateTable('auth_session').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
  }

  findSession(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('auth_session').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
