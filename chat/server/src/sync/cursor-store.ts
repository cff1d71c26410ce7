/**
 * SQL for per-device acked cursors `(device, conversation) → acked_seq`. Cursors only move
 * forward: the upsert keeps the larger of the stored and the new value, so acks that race
 * (two sockets of one device, two nodes) cannot move one backwards.
 */
import { sql, type Kysely } from 'kysely';
import { pairIn, powerOfTwoChunks, RowInserter } from '@twin/platform/sql';
import type { ChatTables } from '../migrations.ts';

type Db = Kysely<ChatTables>;
export type CursorRow = ChatTables['chat_cursor'];

export interface PendingRow {
  conversation_id: string;
  acked_seq: number;
  last_seq: number;
}

/** The stored cursors of these (device, conversation) pairs. */
export async function findCursors(db: Db, keys: ReadonlyArray<readonly [deviceId: string, conversationId: string]>): Promise<CursorRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('chat_cursor').selectAll().where(pairIn(['device_id', 'bigint'], ['conversation_id', 'bigint'], keys)).execute();
}

/** Most cursors per statement. */
const UPSERT_CHUNK = 256;

const cursorUpserts = new RowInserter<keyof CursorRow>('chat_cursor', ['device_id', 'conversation_id', 'acked_seq', 'updated_at'], (insert) =>
  insert.onConflict((oc) =>
    oc.columns(['device_id', 'conversation_id']).doUpdateSet({
      acked_seq: sql<number>`CASE WHEN excluded.acked_seq > chat_cursor.acked_seq THEN excluded.acked_seq ELSE chat_cursor.acked_seq END`,
      updated_at: sql<number>`excluded.updated_at`,
    }),
  ),
);

/** Writes cursors in a statement per power-of-two run (list-shapes.ts); never moves a stored cursor backwards. */
export async function advanceCursors(db: Db, rows: readonly CursorRow[]): Promise<void> {
  for (const chunk of powerOfTwoChunks(rows, UPSERT_CHUNK)) await cursorUpserts.insert(db, chunk);
}

/**
 * The account's conversations where the device's cursor (or, without one, the point the
 * account joined) is behind the log's end. A cursor from an earlier membership never
 * reaches before the current one's start.
 */
export async function pendingConversations(db: Db, accountId: string, deviceId: string): Promise<PendingRow[]> {
  const from = sql<number>`CASE WHEN cur.acked_seq IS NOT NULL AND cur.acked_seq > m.visible_from_seq THEN cur.acked_seq ELSE m.visible_from_seq END`;
  const rows = await db
    .selectFrom('chat_member as m')
    .innerJoin('chat_conversation as c', 'c.id', 'm.conversation_id')
    .leftJoin('chat_cursor as cur', (join) => join.onRef('cur.conversation_id', '=', 'm.conversation_id').on('cur.device_id', '=', deviceId))
    .select(['m.conversation_id', 'c.last_seq', from.as('acked_seq')])
    .where('m.account_id', '=', accountId)
    .where('c.last_seq', '>', from)
    .orderBy('c.last_activity_at')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ conversation_id: String(r.conversation_id), acked_seq: Number(r.acked_seq), last_seq: Number(r.last_seq) }));
}
