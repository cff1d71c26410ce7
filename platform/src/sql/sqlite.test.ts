import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { runContract } from './contract.case.ts';
import { SqliteEngine } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-seam-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite engine contract', () => {
  runContract({ create: async () => new SqliteEngine({ filename: join(dir, 'contract.db') }) });
});

test('sqlite runs in WAL mode with foreign keys on, reads memory-mapped and keeps statement journals in memory', async () => {
  const engine = new SqliteEngine({ filename: join(dir, 'pragmas', 'app.db') });
  const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(engine.db);
  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(engine.db);
  assert.equal(mode.rows[0]?.journal_mode, 'wal');
  assert.equal(fk.rows[0]?.foreign_keys, 1);
  const mmap = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(engine.db);
  assert.ok(Number(mmap.rows[0]?.mmap_size) > 2 ** 30, 'the map covers files past 1 GiB, up to SQLite\'s build limit');
  const temp = await sql<{ temp_store: number }>`pragma temp_store`.execute(engine.db);
  assert.equal(Number(temp.rows[0]?.temp_store), 2, 'MEMORY');
  await engine.close();
});

test('a transaction that reads before it writes waits for a write lock held elsewhere instead of failing SQLITE_BUSY', async () => {
  const filename = join(dir, 'locked', 'app.db');
  const engine = new SqliteEngine({ filename });
  await sql`create table counter (n integer not null)`.execute(engine.db);
  await sql`insert into counter (n) values (0)`.execute(engine.db);
  // Another process (as the WAL checkpointer's RESTART does) holds the write lock for 300 ms.
  const holder = spawn(process.execPath, ['--input-type=module', '-e', `
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(filename)});
    db.exec('begin immediate');
    console.log('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    db.exec('commit');`], { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] });
  await once(holder.stdout!, 'data');
  // Begun DEFERRED, the UPDATE after the SELECT would fail at once: waiting could deadlock with its own read.
  await engine.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
    await sql`update counter set n = ${Number(rows[0]!.n) + 1}`.execute(trx);
  });
  assert.equal(Number((await sql<{ n: number }>`select n from counter`.execute(engine.db)).rows[0]!.n), 1);
  await once(holder, 'exit');
  await engine.close();
});

test('a statement finding the write lock taken waits on a timer, so the event loop runs meanwhile, and fails SQLITE_BUSY past busyTimeoutMs', async () => {
  const filename = join(dir, 'busy', 'app.db');
  const engine = new SqliteEngine({ filename, busyTimeoutMs: 2000 });
  await sql`create table item (n integer not null)`.execute(engine.db);
  // A second connection in this very thread: only a timer can release its lock, so a
  // statement waiting in SQLite's busy handler (which sleeps the thread) would never see it free.
  const other = new Database(filename);
  other.exec('begin immediate');
  const released = new Promise<void>((resolve) => setTimeout(() => {
    other.exec('commit');
    resolve();
  }, 50));
  const started = performance.now();
  await engine.db.insertInto('item' as never).values({ n: 1 } as never).execute();
  await engine.db.transaction().execute((trx) => sql`insert into item (n) values (2)`.execute(trx));
  await released;
  assert.ok(performance.now() - started >= 45, 'the insert waited for the lock');
  assert.equal(Number((await sql<{ c: number }>`select count(*) as c from item`.execute(engine.db)).rows[0]!.c), 2);

  const impatient = new SqliteEngine({ filename, busyTimeoutMs: 100 });
  other.exec('begin immediate');
  const before = performance.now();
  await assert.rejects(sql`insert into item (n) values (3)`.execute(impatient.db), (error: { code?: string }) => error.code === 'SQLITE_BUSY');
  assert.ok(performance.now() - before >= 95, 'it waited the whole timeout first');
  other.exec('rollback');
  other.close();
  await impatient.close();
  await engine.close();
});
