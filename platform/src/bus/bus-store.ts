/**
 * The SQL both bus implementations share: outbox writes, consumer dedupe marks, the
 * dead-letter store and the counters behind `stats()`. Writes that belong to a caller's
 * transaction take that transaction; the rest use the engine's own connection.
 */
import type { Kysely } from 'kysely';
import type { SqlEngine } from '../sql/index.ts';
import { isSnowflake, type SnowflakeGenerator } from '../ids/index.ts';
import { chunks, fromEventRow, prepareEvents, toEventRow } from './events.ts';
import type { BusEvent, DeadLetter, DeadLetterPage, NewEvent } from './interface.ts';
import type { BusTables } from './migrations.ts';
import { assertGroup } from './subjects.ts';

/** An event given up in one group, before it is stored. */
export interface DeadLetterDraft {
  readonly group: string;
  readonly event: BusEvent;
  readonly attempts: number;
  readonly lastError: string;
}

const ROWS_PER_INSERT = 500;

export class BusStore {
  readonly db: Kysely<BusTables>;
  readonly #ids: SnowflakeGenerator;

  constructor(sql: SqlEngine, ids: SnowflakeGenerator) {
    this.db = sql.db as Kysely<BusTables>;
    this.#ids = ids;
  }

  async writeOutbox(trx: Kysely<any>, events: readonly NewEvent[]): Promise<BusEvent[]> {
    const prepared = prepareEvents(events, this.#ids);
    const db = trx as Kysely<BusTables>;
    for (const slice of chunks(prepared, ROWS_PER_INSERT)) {
      const rows = slice.map((e) => {
        const { published_at, ...row } = toEventRow(e);
        return { ...row, created_at: published_at, sent_at: null };
      });
      await db.insertInto('outbox').values(rows).execute();
    }
    return prepared;
  }

  async markProcessed(trx: Kysely<any>, group: string, eventIds: readonly string[]): Promise<string[]> {
    assertGroup(group);
    if (eventIds.length === 0) return [];
    const bad = eventIds.find((id) => !isSnowflake(id));
    if (bad !== undefined) throw new TypeError(`event id "${bad}" is not a Snowflake id`);
    const db = trx as Kysely<BusTables>;
    const now = Date.now();
    const fresh = new Set<string>();
    for (const slice of chunks([...new Set(eventIds)], ROWS_PER_INSERT)) {
      const inserted = await db
        .insertInto('bus_processed')
        .values(slice.map((id) => ({ group_name: group, event_id: id, processed_at: now })))
        .onConflict((oc) => oc.doNothing())
        .returning('event_id')
        .execute();
      for (const row of inserted) fresh.add(String(row.event_id));
    }
    // Input order, each id once: a batch that repeats an id handles it once.
    const out: string[] = [];
    for (const id of eventIds) if (fresh.delete(id)) out.push(id);
    return out;
  }

  async pruneProcessed(olderThan: number): Promise<void> {
    await this.db.deleteFrom('bus_processed').where('processed_at', '<', olderThan).execute();
  }

  async insertDeadLetters(db: Kysely<BusTables>, drafts: readonly DeadLetterDraft[]): Promise<void> {
    const now = Date.now();
    for (const slice of chunks(drafts, ROWS_PER_INSERT)) {
      const rows = slice.map((d) => {
        const { id, type, ...event } = toEventRow(d.event);
        return {
          id: this.#ids.next(),
          group_name: d.group,
          event_id: id,
          event_type: type,
          ...event,
          attempts: d.attempts,
          last_error: d.lastError.slice(0, 4000),
          dead_at: now,
        };
      });
      await db.insertInto('bus_dead_letter').values(rows).execute();
    }
  }

  async listDeadLetters({ limit, cursor }: { limit: number; cursor?: string | null }): Promise<DeadLetterPage> {
    const size = Math.max(1, Math.min(1000, Math.floor(limit)));
    let query = this.db.selectFrom('bus_dead_letter').selectAll().orderBy('id', 'desc').limit(size + 1);
    if (cursor) {
      if (!isSnowflake(cursor)) throw new RangeError(`invalid dead-letter cursor "${cursor}"`);
      query = query.where('id', '<', cursor);
    }
    const rows = await query.execute();
    const items = rows.slice(0, size).map(toDeadLetter);
    return { items, nextCursor: rows.length > size ? (items.at(-1)?.id ?? null) : null };
  }

  async countDeadLetters(): Promise<number> {
    const row = await this.db.selectFrom('bus_dead_letter').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Reads and deletes one dead letter inside `trx`; undefined when absent. */
  async takeDeadLetter(trx: Kysely<BusTables>, id: string): Promise<DeadLetter | undefined> {
    if (!isSnowflake(id)) return undefined;
    const row = await trx.deleteFrom('bus_dead_letter').where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toDeadLetter(row) : undefined;
  }

  async countOutboxPending(): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sent_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toDeadLetter(row: BusTables['bus_dead_letter']): DeadLetter {
  return {
    id: String(row.id),
    group: row.group_name,
    event: fromEventRow({ id: row.event_id, type: row.event_type, subject: row.subject, payload: row.payload, published_at: row.published_at }),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    deadAt: Number(row.dead_at),
  };
}
