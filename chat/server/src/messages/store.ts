/**
 * SQL for the message log. `seq` ranges are reserved with one
 * `UPDATE … SET last_seq = last_seq + CASE id WHEN … END … RETURNING last_seq` per batch: the row
 * lock (PostgreSQL) or the single writer (SQLite) makes concurrent reservations queue,
 * and because the reservation and the inserts share a transaction, a rollback leaves no
 * gap. Every function takes the executor to run on, so callers compose them inside their
 * own transaction.
 */
import { sql, type Kysely } from 'kysely';
import { padList, pairIn, powerOfTwoChunks, RowInserter } from '@twin/platform/sql';
import type { ChatTables } from '../migrations.ts';
import type { MessageRow } from './wire.ts';

type Db = Kysely<ChatTables>;

/** Most rows per INSERT statement: 12 parameters each stays far below both engines' limits. */
const INSERT_CHUNK = 256;

/**
 * Reserves `count` seqs in each conversation with one UPDATE for the whole batch; resolves
 * the last seq of each range by conversation id. A conversation that does not exist is
 * absent from the result.
 */
export async function reserveSeqs(db: Db, counts: ReadonlyMap<string, number>, now: number): Promise<Map<string, number>> {
  const reserved = new Map<string, number>();
  if (counts.size === 0) return reserved;
  const rows = await db
    .updateTable('chat_conversation')
    .set((eb) => {
      const whens = padList([...counts]).map(([id, count]) => sql`when ${id} then cast(${count} as bigint)`);
      return { last_seq: eb('last_seq', '+', sql<number>`case ${sql.ref('id')} ${sql.join(whens, sql` `)} else 0 end`), last_activity_at: now };
    })
    .where('id', 'in', padList([...counts.keys()]))
    .returning(['id', 'last_seq'])
    .execute();
  for (const row of rows) reserved.set(String(row.id), Number(row.last_seq));
  return reserved;
}

/**
 * Takes the conversations' row locks in one ordered `SELECT … FOR UPDATE` (on an engine
 * with a single writer the write transaction already excludes everyone), so that
 * membership read afterwards in the same transaction cannot change before the entries
 * commit, and two batches cannot deadlock. Resolves the ids that exist.
 */
export async function lockConversations(db: Db, conversationIds: readonly string[], rowLocks: boolean): Promise<Set<string>> {
  let query = db.selectFrom('chat_conversation').select('id').where('id', 'in', padList(conversationIds)).orderBy('id');
  if (rowLocks) query = query.forUpdate();
  const rows = await query.execute();
  return new Set(rows.map((row) => String(row.id)));
}

const entries = new RowInserter<keyof MessageRow>('chat_message', ['conversation_id', 'seq', 'id', 'sender_account_id', 'sender_device_id', 'client_message_id', 'kind', 'body', 'sent_at', 'stored_at', 'ref_seq', 'deleted']);

/** Inserts in runs of power-of-two lengths (list-shapes.ts), so a batch of any size reuses prepared statements. */
export async function insertEntries(db: Db, rows: readonly MessageRow[]): Promise<void> {
  for (const chunk of powerOfTwoChunks(rows, INSERT_CHUNK)) await entries.insert(db, chunk);
}

/** Stored entries matching any of the (sender device, client message id) pairs, in one query. */
export async function findByClientIds(db: Db, pairs: ReadonlyArray<{ deviceId: string; clientMessageId: string }>): Promise<MessageRow[]> {
  if (pairs.length === 0) return [];
  const keys = pairs.map((p) => [p.deviceId, p.clientMessageId] as const);
  return db.selectFrom('chat_message').selectAll().where(pairIn(['sender_device_id', 'bigint'], ['client_message_id', 'text'], keys)).execute();
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
