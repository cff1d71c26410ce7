/**
 * SQL for devices. Registering and removing a device update the account's
 * `active_devices` counter in the same transaction; the counter's row lock (PostgreSQL)
 * or the single writer (SQLite) serialises concurrent registrations of one account, so
 * the limit and "the first device needs no link code" hold under races.
 */
import type { Kysely } from 'kysely';
import { padList } from '@twin/platform/sql';
import type { ChatTables } from '../migrations.ts';

export type DeviceRow = ChatTables['chat_device'];

export class DeviceStore {
  readonly db: Kysely<ChatTables>;

  constructor(db: Kysely<any>) {
    this.db = db;
  }

  /**
   * Inserts the device if the account has fewer than `maxDevices` active ones. `mayAdd`
   * is asked with the account's active count before this one (0: it is the first) and
   * decides whether the registration is approved; throwing from it rolls back.
   * Resolves false when the limit is reached.
   */
  async insertDevice(row: DeviceRow, maxDevices: number, mayAdd: (activeBefore: number) => void): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('chat_account_devices').values({ account_id: row.account_id, active_devices: 0 }).onConflict((oc) => oc.column('account_id').doNothing()).execute();
      const counted = await trx
        .updateTable('chat_account_devices')
        .set((eb) => ({ active_devices: eb('active_devices', '+', 1) }))
        .where('account_id', '=', row.account_id)
        .where('active_devices', '<', maxDevices)
        .returning('active_devices')
        .executeTakeFirst();
      if (!counted) return false;
      mayAdd(Number(counted.active_devices) - 1);
      await trx.insertInto('chat_device').values(row).execute();
      return true;
    });
  }

  findDevice(id: string): Promise<DeviceRow | undefined> {
    return this.db.selectFrom('chat_device').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listActive(accountId: string): Promise<DeviceRow[]> {
    return this.db.selectFrom('chat_device').selectAll().where('account_id', '=', accountId).where('removed_at', 'is', null).orderBy('id').execute();
  }

  /** Active devices of several accounts in one query. */
  activeOf(accountIds: readonly string[]): Promise<Pick<DeviceRow, 'id' | 'account_id'>[]> {
    if (accountIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('chat_device').select(['id', 'account_id']).where('account_id', 'in', padList(accountIds)).where('removed_at', 'is', null).orderBy('account_id').orderBy('id').execute();
  }

  /** Marks the device removed and runs `inTransaction` (its outbox event) in the same transaction; false when it already was. */
  async removeDevice(id: string, accountId: string, now: number, inTransaction: (trx: Kysely<any>) => Promise<unknown>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const marked = await trx.updateTable('chat_device').set({ removed_at: now }).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('chat_account_devices')
        .set((eb) => ({ active_devices: eb('active_devices', '-', 1) }))
        .where('account_id', '=', accountId)
        .execute();
      // Its cursors would only hold back nothing (retention ignores removed devices) and take space.
      await trx.deleteFrom('chat_cursor').where('device_id', '=', id).execute();
      await inTransaction(trx);
      return true;
    });
  }

  async accountExists(accountId: string): Promise<boolean> {
    const row = await (this.db as Kysely<any>).selectFrom('account').select('id').where('id', '=', accountId).executeTakeFirst();
    return row !== undefined;
  }
}
