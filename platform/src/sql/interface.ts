/**
 * The relational seam: one Kysely query code base over SQLite (embedded) and PostgreSQL
 * (scale-out). Features write their queries once against `SqlEngine.db`; what differs
 * between engines is expressed as capability flags, never as dialect checks in features.
 *
 * Conventions that hold on both engines (the implementations make them true):
 * - 64-bit integers come back as `number` when they fit in 2^53, else as a decimal
 *   string. Snowflake ids are always larger, so id columns read as strings; counters and
 *   epoch-millisecond timestamps read as numbers.
 * - Timestamps are stored as epoch milliseconds in `bigint` columns; booleans as 0/1.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export interface SqlCapabilities {
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available, so several nodes can claim rows. */
  readonly supportsSkipLocked: boolean;
  /** `SELECT … FOR UPDATE` takes row locks (false: the engine has one writer at a time, so none are needed). */
  readonly supportsRowLocks: boolean;
  /** Several processes can share the database (false: one process owns the file). */
  readonly multiNode: boolean;
}

export interface SqlEngine<DB = any> {
  /** The query builder. Use `db.transaction().execute(fn)` for transactions. */
  readonly db: Kysely<DB>;
  readonly capabilities: SqlCapabilities;
  /** Short engine name for logs, metrics and /readyz. */
  readonly name: 'sqlite' | 'postgres';
  /**
   * Runs every registered migration not yet applied, in name order within each
   * feature. Safe to call on every start and from several processes at once.
   */
  migrate(migrations: Record<string, Migration>): Promise<void>;
  /** True when `error` is a unique or primary-key violation (duplicate handle, replayed id…). */
  isUniqueViolation(error: unknown): boolean;
  /** Resolves when the engine answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes every connection; the engine is unusable afterwards. */
  close(): Promise<void>;
}
