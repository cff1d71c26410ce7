/**
 * SQL for the message log. `seq` ranges are reserved with one
 * `UPDATE … SET last_seq = last_seq + n … RETURNING last_seq` per conversation: the row
 * lock (PostgreSQL) or the single writer (SQLite) makes concurrent reservations queue,
 * and because the reservation and the inserts share a transaction, a rollback leaves no
 * gap. Every function takes the executor to run on, so callers compose them inside their
 * own transaction.
 */
import type { Kysely } from 'kysely';
import type { ChatTables } from '../migrations.ts';
import type { MessageRow } from './wire.ts';

type Db = Kysely<ChatTables>;

/** Rows per INSERT statement: 12 parameters each stays far below both engines' limits. */
const INSERT_CHUNK = 500;

/** Reserves `count` seqs; resolves the last one of the range, or undefined when the conversation does not exist. */
export async function reserveSeqs(db: Db, conversationId: string, count: number, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('chat_conversation')
    .set((eb) => ({ last_seq: eb('last_seq', '+', count), last_activity_at: now }))
    .where('id', '=', conversationId)
    .returning('last_seq')
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.last_seq);
}

/**
 * Takes the conversations' row locks (a no-op update; SQLite has one writer anyway) in a
 * fixed order, so that membership read afterwards in the same transaction cannot change
 * before the entries commit, and two batches cannot deadlock. Resolves the ids that exist.
 */
export async function lockConversations(db: Db, conversationIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const id of [...conversationIds].sort()) {
    const row = await db
      .updateTable('chat_conversation')
      .set((eb) => ({ last_seq: eb.ref('last_seq') }))
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    if (row) found.add(String(row.id));
  }
  return found;
}

export async function insertEntries(db: Db, rows: readonly MessageRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('chat_message').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}

/** Stored entries matching any of the (sender device, client message id) pairs, in one query. */
export async function findByClientIds(db: Db, pairs: ReadonlyArray<{ deviceId: string; clientMessageId: string }>): Promise<MessageRow[]> {
  if (pairs.length === 0) return [];
  const devices = [...new Set(pairs.map((p) => p.deviceId))];
  const clientIds = [...new Set(pairs.map((p) => p.clientMessageId))];
  const wanted = new Set(pairs.map((p) => `${p.deviceId}|${p.clientMessageId}`));
  const rows = await db.selectFrom('chat_message').selectAll().where('sender_device_id', 'in', devices).where('client_message_id', 'in', clientIds).execute();
  return rows.filter((r) => wanted.has(`${String(r.sender_device_id)}|${r.client_message_id}`));
}

/** Entries with `seq > afterSeq`, ascending. */
export function readAfter(db: Db, conversationId: string, afterSeq: number, limit: number): Promise<MessageRow[]> {
  return db.selectFrom('chat_message').selectAll().where('conversation_id', '=', conversationId).where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
}

/** Entries with `floorSeq < seq < beforeSeq`, newest first. */
export function readBefore(db: Db, conversationId: string, beforeSeq: number, floorSeq: number, limit: number): Promise<MessageRow[]> {
  return db
    .selectFrom('chat_message')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '<', beforeSeq)
    .where('seq', '>', floorSeq)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

export function findEntry(db: Db, conversationId: string, seq: number): Promise<MessageRow | undefined> {
  return db.selectFrom('chat_message').selectAll().where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
}

/** Deletes the body of an entry for good (delete for everyone); false when it was already deleted. */
export async function wipeEntry(db: Db, conversationId: string, seq: number): Promise<boolean> {
  const result = await db
    .updateTable('chat_message')
    .set({ body: Buffer.alloc(0), deleted: 1 })
    .where('conversation_id', '=', conversationId)
    .where('seq', '=', seq)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
