/**
 * @module @twin/platform/sql
 * The relational seam: pick SQLite or PostgreSQL by configuration.
 */
import type { SqlEngine } from './interface.ts';
import { PostgresEngine } from './postgres.ts';
import { SqliteEngine } from './sqlite.ts';

export type { SqlCapabilities, SqlEngine } from './interface.ts';
export { padList, powerOfTwoChunks } from './list-shapes.ts';
export { pairIn, type PairColumn } from './pairs.ts';
export { RowInserter, type InsertShape } from './row-inserter.ts';
export { dropSchema, PostgresEngine, type PostgresOptions } from './postgres.ts';
export { SqliteEngine, type SqliteOptions } from './sqlite.ts';

/** PostgreSQL when `databaseUrl` is set, else SQLite at `sqliteFile`. */
export function createSqlEngine<DB>(options: { databaseUrl?: string; sqliteFile: string; schema?: string }): SqlEngine<DB> {
  return options.databaseUrl
    ? new PostgresEngine<DB>({ connectionString: options.databaseUrl, schema: options.schema })
    : new SqliteEngine<DB>({ filename: options.sqliteFile });
}
