/**
 * The search index for the SQL engine in use: PostgreSQL full text when the platform runs
 * on PostgreSQL, SQLite FTS5 otherwise ("search follows DATABASE_URL"). The choice is made
 * here only, from the Kysely dialect — the migration that creates the index has nothing
 * else to go by.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { SearchIndex } from './interface.ts';
import { PostgresSearchIndex } from './postgres.ts';
import { SqliteSearchIndex } from './sqlite.ts';

export type { SearchDocument, SearchFilters, SearchHit, SearchIndex, SearchPosition, SearchQuery, SearchSort } from './interface.ts';
export { SEARCH_SORTS } from './interface.ts';

export function searchIndexFor(db: Kysely<any>): SearchIndex {
  return db.getExecutor().adapter instanceof PostgresAdapter ? new PostgresSearchIndex() : new SqliteSearchIndex();
}
