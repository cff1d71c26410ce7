/**
 * The bus's SQL tables. Both implementations use the outbox, the dead letters and the
 * dedupe marks; the embedded bus also keeps its queue here (events, groups, deliveries).
 * Ids are Snowflakes in bigint columns; times are epoch milliseconds in bigint columns.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface BusTables {
  /** Events waiting for at least one group (embedded bus); pruned once every group acked. */
  bus_event: { id: string; type: string; subject: string; payload: string; published_at: number };
  /** Registered consumer groups and their subject filters (JSON array), so publishes fan out to absent members too. */
  bus_group: { name: string; subjects: string; updated_at: number };
  /**
   * One row per (group, event) not yet acked. Claimable once `visible_at` has passed:
   * the publish time when new, the ack deadline while in flight, now + delay after a nak.
   * Claims take the earliest due first (ties by event id), so publish order holds.
   */
  bus_delivery: { group_name: string; event_id: string; visible_at: number; attempts: number; last_error: string | null };
  bus_dead_letter: {
    id: string;
    group_name: string;
    event_id: string;
    event_type: string;
    subject: string;
    payload: string;
    published_at: number;
    attempts: number;
    last_error: string;
    dead_at: number;
  };
  /** Transactional outbox: written with the state change, published by the relay, pruned after a retention. */
  outbox: { id: string; type: string; subject: string; payload: string; created_at: number; sent_at: number | null };
  /** What each consumer group has already handled, for idempotent effects. */
  bus_processed: { group_name: string; event_id: string; processed_at: number };
}

export const busMigrations: Record<string, Migration> = {
  'bus/0001_embedded_queue': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bus_event')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('published_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('bus_group')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('subjects', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The primary key orders claims by event id (publish order) within a group.
      await db.schema
        .createTable('bus_delivery')
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('visible_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addPrimaryKeyConstraint('bus_delivery_pk', ['group_name', 'event_id'])
        .execute();
      // Claims read a group's due deliveries in due order, and stop after a batch.
      await db.schema.createIndex('bus_delivery_due').on('bus_delivery').columns(['group_name', 'visible_at', 'event_id']).execute();
      // Pruning asks "does any group still hold this event?".
      await db.schema.createIndex('bus_delivery_event').on('bus_delivery').column('event_id').execute();
    },
  },
  'bus/0002_dead_letter': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bus_dead_letter')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('published_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text', (c) => c.notNull())
        .addColumn('dead_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  'bus/0003_outbox': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      // Serves both "unsent, oldest first" (sent_at is null, by id) and pruning by sent_at.
      await db.schema.createIndex('outbox_sent').on('outbox').columns(['sent_at', 'id']).execute();
    },
  },
  'bus/0004_processed': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bus_processed')
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('processed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('bus_processed_pk', ['group_name', 'event_id'])
        .execute();
      await db.schema.createIndex('bus_processed_at').on('bus_processed').column('processed_at').execute();
    },
  },
  'bus/0005_sqlite_queue_without_statistics': {
    /**
     * SQLite: forgets the queue's planner statistics that earlier versions gathered
     * (`ANALYZE bus_delivery`, now PostgreSQL's alone). SQLite is built with STAT4 here, and
     * with samples of a table it prepares each statement on it again at every run, to plan
     * for the values bound: every claim and every ack, twice a write turn per group on a
     * busy chat server. Its plans are the same without them (the due index, the primary key).
     * Measured on the chat server, alternated rounds: at 5,000 msgs/s send → deliver p99
     * 42 → 33 ms (lower in 6 of 6), claims 205 → 91 µs and acks 156 → 80 µs each.
     */
    async up(db: Kysely<any>) {
      if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
      const { rows } = await sql<{ name: string }>`select name from sqlite_schema where name in ('sqlite_stat1', 'sqlite_stat4')`.execute(db);
      for (const { name } of rows) await sql`delete from ${sql.table(name)} where tbl = 'bus_delivery'`.execute(db);
      // The connection keeps the statistics it loaded with the schema until told to reload them.
      if (rows.length > 0) await sql`analyze sqlite_schema`.execute(db);
    },
  },
};
