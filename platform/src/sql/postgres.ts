/**
 * The scale-out SQL engine: PostgreSQL through `pg` behind Kysely. Several processes
 * share it; migrations take an advisory lock (Kysely's Migrator does) so concurrent
 * starts apply each migration once.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { normalizeInt64 } from './integers.ts';
import type { SqlEngine } from './interface.ts';
import { runMigrations } from './migrator.ts';

export interface PostgresOptions {
  connectionString: string;
  /** Puts every connection's `search_path` on this schema (created if missing); tests isolate this way. */
  schema?: string;
  maxConnections?: number;
}

const INT8_OID = 20;
/** Advisory-lock key ('twin') serialising migrations with schema drops. */
const SCHEMA_DDL_LOCK = 0x7477696e;

export class PostgresEngine<DB = any> implements SqlEngine<DB> {
  readonly name = 'postgres' as const;
  readonly capabilities = { supportsSkipLocked: true, supportsRowLocks: true, multiNode: true };
  readonly db: Kysely<DB>;
  readonly #schema: string | undefined;

  constructor(options: PostgresOptions) {
    this.#schema = options.schema;
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => normalizeInt64(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    };
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      types,
      ...(options.schema ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    this.db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }

  async migrate(migrations: Record<string, Migration>): Promise<void> {
    // Kysely's Migrator introspects the tables of every schema; a schema dropped by another
    // session during that query fails it ("schema … does not exist"). Migrations and schema
    // drops (dropSchema below) therefore take one advisory lock, on a single connection.
    await this.db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${SCHEMA_DDL_LOCK})`.execute(connection);
      try {
        if (this.#schema) await sql`create schema if not exists ${sql.id(this.#schema)}`.execute(connection);
        await runMigrations(connection, migrations, this.#schema);
      } finally {
        await sql`select pg_advisory_unlock(${SCHEMA_DDL_LOCK})`.execute(connection);
      }
    });
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === '23505';
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return name;
}

/** Drops a schema and everything in it, without racing a concurrent migrate (tests, tenant removal). */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client(connectionString);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [SCHEMA_DDL_LOCK]);
    await client.query(`drop schema if exists ${quoteIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}
