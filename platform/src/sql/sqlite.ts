/**
 * The embedded SQL engine: better-sqlite3 in WAL mode behind Kysely. One process owns
 * the file; Kysely serialises statements on the single connection, so a transaction
 * never interleaves with another.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
  type SqliteDatabase,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Migration } from 'kysely/migration';
import { loadSqliteExtensions } from './extensions.ts';
import { normalizeInt64 } from './integers.ts';
import type { SqlEngine } from './interface.ts';
import { runMigrations } from './migrator.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export interface SqliteOptions {
  /** File path, or `:memory:` for a throwaway database. */
  filename: string;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
}

/** Turns the bigint values of safe-integer mode into the seam's number-or-string rule. */
class Int64ResultPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows) {
      for (const key in row) {
        const value = row[key];
        if (typeof value === 'bigint') row[key] = normalizeInt64(value);
      }
    }
    return args.result;
  }
}

/** Distinct statements kept prepared; past it the least recently used is dropped (IN lists of varying length make new texts). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * The connection as Kysely sees it, with prepared statements reused by SQL text: Kysely
 * prepares every query anew, and in the chat benchmark's profile preparing cost the
 * server 14% of its CPU, about two thirds of what running the statements did. Reuse is
 * safe here because Kysely runs one statement at a time on this single connection.
 */
function reusingStatements(database: Database.Database): SqliteDatabase {
  const prepared = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text) {
      let statement = prepared.get(text);
      if (statement) {
        prepared.delete(text); // re-inserted below: Map order is the recency order
      } else {
        statement = database.prepare(text);
        if (prepared.size >= STATEMENT_CACHE_SIZE) prepared.delete(prepared.keys().next().value!);
      }
      prepared.set(text, statement);
      return statement;
    },
  };
}

/** How long a statement waits for a write lock held elsewhere before failing SQLITE_BUSY, by default (ms). */
const BUSY_TIMEOUT_MS = 5000;

const isBusy = (error: unknown) => String((error as { code?: unknown } | null)?.code).startsWith('SQLITE_BUSY');

/**
 * Waits out SQLITE_BUSY on a timer instead of in SQLite's busy handler. That handler
 * sleeps the calling thread, 1, 2, 5, 10… ms at a time, and here the calling thread is the
 * event loop: each RESTART of the WAL checkpointer (wal-checkpoint-worker.ts), which holds
 * writers off for a few ms about every 1.5 s under the chat benchmark's load, froze the
 * whole server for 3-9 ms. So the connection's own busy timeout is 0, and a statement that
 * finds the lock taken outside a transaction (BEGIN IMMEDIATE, an autocommit write) is run
 * again every millisecond, for up to the same timeout, while sockets are served meanwhile.
 * Inside a transaction the lock is already ours, so nothing there is retried.
 */
class BusyWaitingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #database: Database.Database;
  readonly #timeoutMs: number;

  constructor(inner: DatabaseConnection, database: Database.Database, timeoutMs: number) {
    this.#inner = inner;
    this.#database = database;
    this.#timeoutMs = timeoutMs;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Set at the first SQLITE_BUSY: nearly every statement runs at once, and this is their path.
    let deadline: number | undefined;
    for (;;) {
      try {
        return await this.#inner.executeQuery<R>(query);
      } catch (error) {
        if (!isBusy(error) || this.#database.inTransaction) throw error;
        deadline ??= performance.now() + this.#timeoutMs;
        if (performance.now() >= deadline) throw error;
        await sleep(1);
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE) rather than at their
 * first write. Begun DEFERRED, a transaction that has read and then finds the lock held
 * (by the WAL checkpointer starting the WAL over, or by another process) fails at once
 * with SQLITE_BUSY: SQLite does not wait there, since the holder may be waiting for that
 * very read to end. Begun IMMEDIATE, it waits (BusyWaitingConnection) before reading anything.
 */
class EmbeddedSqliteDriver extends SqliteDriver {
  readonly #database: Database.Database;
  readonly #busyTimeoutMs: number;
  #connection: BusyWaitingConnection | undefined;

  constructor(config: SqliteDialectConfig, database: Database.Database, busyTimeoutMs: number) {
    super(config);
    this.#database = database;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return (this.#connection ??= new BusyWaitingConnection(await super.acquireConnection(), this.#database, this.#busyTimeoutMs));
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class EmbeddedSqliteDialect extends SqliteDialect {
  readonly #createDriver: () => Driver;

  constructor(database: Database.Database, busyTimeoutMs: number) {
    const config: SqliteDialectConfig = { database: reusingStatements(database) };
    super(config);
    this.#createDriver = () => new EmbeddedSqliteDriver(config, database, busyTimeoutMs);
  }

  override createDriver(): Driver {
    return this.#createDriver();
  }
}

/**
 * How much of the database file reads may map (SQLite's mmap_size): all of it, as far as
 * SQLite allows (it caps the request at its build's SQLITE_MAX_MMAP_SIZE, 2 GiB here);
 * pages past the map are read with pread through SQLite's page cache. A 1 GiB map left the
 * last 13% of the search benchmark's 1.23 GB file to pread: mapping it all took 2-6% off
 * the prefix queries' p50 and p99 (two connections on one file, alternated query by query,
 * two passes).
 */
const MMAP_BYTES = 2 ** 40;

export class SqliteEngine<DB = any> implements SqlEngine<DB> {
  readonly name = 'sqlite' as const;
  readonly capabilities = { supportsSkipLocked: false, supportsRowLocks: false, multiNode: false };
  readonly db: Kysely<DB>;
  /** Takes checkpoints off the event loop once the file is busy (none for `:memory:`). */
  readonly #checkpointer: WalCheckpointer | undefined;

  constructor(options: SqliteOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    const database = new Database(options.filename);
    // Snowflake ids exceed 2^53: read every integer exactly, then normalise.
    database.defaultSafeIntegers(true);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // Waited out off the event loop instead (BusyWaitingConnection).
    database.pragma('busy_timeout = 0');
    // Reads map the database file instead of copying each page through a read() call (writes
    // still go through the WAL): an FTS5 query walking long doclists went from ~11 to 5-7 ms
    // at p99 on a 1.2 GB file of 1M videos. Address space only; the page cache is the OS's.
    database.pragma(`mmap_size = ${MMAP_BYTES}`);
    // A multi-row INSERT journals each page it first touches, so that a failing row can undo
    // the rows before it; by default that statement journal is a temporary file, written one
    // page at a time. In memory: inserting 64-row batches of chat messages spent 7% of its
    // time in the b-tree insert instead of 33%; the chat server under load, 3.6% less CPU.
    database.pragma('temp_store = MEMORY');
    loadSqliteExtensions(database);
    if (options.filename !== ':memory:') this.#checkpointer = new WalCheckpointer(database, options.filename);
    this.db = new Kysely<DB>({ dialect: new EmbeddedSqliteDialect(database, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS), plugins: [new Int64ResultPlugin()] });
  }

  migrate(migrations: Record<string, Migration>): Promise<void> {
    return runMigrations(this.db, migrations);
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.#checkpointer?.close();
    await this.db.destroy();
  }
}
