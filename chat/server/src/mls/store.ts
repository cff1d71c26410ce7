/**
 * SQL for the Delivery Service, through Kysely on both engines. A claim deletes one
 * one-time package per statement: `DELETE … WHERE id IN (SELECT … LIMIT 1 FOR UPDATE SKIP
 * LOCKED) RETURNING` on PostgreSQL, so concurrent claimers each take a different row
 * instead of queueing on (and then missing) the same one; SQLite runs one writer at a
 * time, so the same statement without the lock clause is atomic there. A group advances
 * by compare-and-set on its epoch. Functions take the executor so callers compose them in
 * their own transaction.
 */
import type { Kysely } from 'kysely';
import type { ChatTables } from '../migrations.ts';
import type { MlsTables } from './migrations.ts';
import type { EncodedGroupState } from './public-group.ts';

export type MlsDb = Kysely<ChatTables & MlsTables>;
type Db = MlsDb;
export type KeyPackageRow = MlsTables['chat_mls_key_package'];
export type GroupRow = MlsTables['chat_mls_group'];
export type WelcomeRow = MlsTables['chat_mls_welcome'];

/** Devices by id (removed ones too): account, identity key, removal. */
export function findDevices(db: Db, deviceIds: readonly string[]): Promise<Array<Pick<ChatTables['chat_device'], 'id' | 'account_id' | 'public_key' | 'removed_at'>>> {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('chat_device').select(['id', 'account_id', 'public_key', 'removed_at']).where('id', 'in', [...deviceIds]).execute();
}

export function activeDeviceIds(db: Db, accountId: string): Promise<Array<{ id: string }>> {
  return db.selectFrom('chat_device').select('id').where('account_id', '=', accountId).where('removed_at', 'is', null).orderBy('id').execute();
}

// ---- key directory ----

/** Stores one-time packages; one already stored (same ref) is skipped. Resolves how many were new. */
export async function insertKeyPackages(db: Db, rows: readonly KeyPackageRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db.insertInto('chat_mls_key_package').values([...rows]).onConflict((oc) => oc.column('ref').doNothing()).returning('id').execute();
  return inserted.length;
}

/** Makes `row` the device's only last-resort package. */
export async function replaceLastResort(db: Db, row: KeyPackageRow): Promise<void> {
  await db.deleteFrom('chat_mls_key_package').where('device_id', '=', row.device_id).where('last_resort', '=', 1).execute();
  await db.insertInto('chat_mls_key_package').values(row).onConflict((oc) => oc.column('ref').doNothing()).execute();
}

export async function countKeyPackages(db: Db, deviceId: string): Promise<{ available: number; lastResort: boolean }> {
  const rows = await db
    .selectFrom('chat_mls_key_package')
    .select(['last_resort', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('device_id', '=', deviceId)
    .groupBy('last_resort')
    .execute();
  const count = (flag: number) => Number(rows.find((r) => Number(r.last_resort) === flag)?.n ?? 0);
  return { available: count(0), lastResort: count(1) > 0 };
}

/** Deletes and returns the device's oldest one-time package, or undefined when it has none left (see the module comment). */
export async function claimOneTime(db: Db, deviceId: string, skipLocked: boolean): Promise<Uint8Array | undefined> {
  const row = await db
    .deleteFrom('chat_mls_key_package')
    .where('id', 'in', (eb) => {
      let oldest = eb.selectFrom('chat_mls_key_package').select('id').where('device_id', '=', deviceId).where('last_resort', '=', 0).orderBy('id').limit(1);
      if (skipLocked) oldest = oldest.forUpdate().skipLocked();
      return oldest;
    })
    .returning('body')
    .executeTakeFirst();
  return row?.body;
}

/** The last-resort packages of these devices (left in place). */
export function lastResortOf(db: Db, deviceIds: readonly string[]): Promise<Array<{ device_id: string; body: Uint8Array }>> {
  if (deviceIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('chat_mls_key_package').select(['device_id', 'body']).where('device_id', 'in', [...deviceIds]).where('last_resort', '=', 1).execute();
}

// ---- groups ----

/** The group's epoch alone (its state may be in the node's cache already). */
export async function groupEpoch(db: Db, conversationId: string): Promise<number | undefined> {
  const row = await db.selectFrom('chat_mls_group').select('epoch').where('conversation_id', '=', conversationId).executeTakeFirst();
  return row === undefined ? undefined : Number(row.epoch);
}

export function findGroup(db: Db, conversationId: string): Promise<GroupRow | undefined> {
  return db.selectFrom('chat_mls_group').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
}

/** Inserts the group at its first epoch; false when the conversation already has one. */
export async function insertGroup(db: Db, conversationId: string, epoch: number, state: EncodedGroupState, now: number): Promise<boolean> {
  const inserted = await db
    .insertInto('chat_mls_group')
    .values({
      conversation_id: conversationId,
      epoch,
      group_context: state.groupContext,
      ratchet_tree: state.ratchetTree,
      confirmation_tag: state.confirmationTag,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .returning('conversation_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Compare-and-set: moves the group from `fromEpoch` to the next; false when it is no longer at `fromEpoch`. */
export async function advanceGroup(db: Db, conversationId: string, fromEpoch: number, state: EncodedGroupState, now: number): Promise<boolean> {
  const result = await db
    .updateTable('chat_mls_group')
    .set({ epoch: fromEpoch + 1, group_context: state.groupContext, ratchet_tree: state.ratchetTree, confirmation_tag: state.confirmationTag, updated_at: now })
    .where('conversation_id', '=', conversationId)
    .where('epoch', '=', fromEpoch)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- Welcome inbox ----

export async function insertWelcome(db: Db, row: WelcomeRow, deviceIds: readonly string[]): Promise<void> {
  await db.insertInto('chat_mls_welcome').values(row).execute();
  await db
    .insertInto('chat_mls_welcome_recipient')
    .values(deviceIds.map((deviceId) => ({ device_id: deviceId, welcome_id: row.id })))
    .execute();
}

/** The device's pending Welcomes with id > `afterId`, oldest first. */
export function pendingWelcomes(db: Db, deviceId: string, afterId: string | undefined, limit: number): Promise<WelcomeRow[]> {
  let query = db
    .selectFrom('chat_mls_welcome_recipient as r')
    .innerJoin('chat_mls_welcome as w', 'w.id', 'r.welcome_id')
    .selectAll('w')
    .where('r.device_id', '=', deviceId);
  if (afterId !== undefined) query = query.where('r.welcome_id', '>', afterId);
  return query.orderBy('r.welcome_id').limit(limit).execute();
}

/** Drops one device's copy; the Welcome itself goes with its last recipient. False when the device had no such Welcome. */
export async function dropRecipient(db: Db, deviceId: string, welcomeId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('chat_mls_welcome_recipient').where('device_id', '=', deviceId).where('welcome_id', '=', welcomeId).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1) return false;
  await db
    .deleteFrom('chat_mls_welcome')
    .where('id', '=', welcomeId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('chat_mls_welcome_recipient').select('welcome_id').where('welcome_id', '=', welcomeId))))
    .execute();
  return true;
}
