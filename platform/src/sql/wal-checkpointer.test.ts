import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { waitFor } from '../testing/wait.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

const dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database with a table of 4 KiB rows, as SqliteEngine opens it. */
function open(name: string): { database: Database.Database; filename: string; write: (rows: number) => void } {
  const filename = join(dir, name);
  const database = new Database(filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.exec('create table blob (id integer primary key, bytes blob not null)');
  const insert = database.prepare('insert into blob (bytes) values (?)');
  const page = Buffer.alloc(4096, 7);
  // 100 rows per transaction, like a write load of many small commits; IMMEDIATE, as SqliteEngine begins them.
  const write = (rows: number) => {
    for (let i = 0; i < rows; i += 100) database.transaction(() => { for (let j = 0; j < 100; j++) insert.run(page); }).immediate();
  };
  return { database, filename, write };
}

const walBytes = (filename: string) => statSync(`${filename}-wal`, { throwIfNoEntry: false })?.size ?? 0;

test('a database written little keeps SQLite’s own checkpoints and starts no worker', async () => {
  const { database, filename, write } = open('quiet.db');
  const checkpointer = new WalCheckpointer(database, filename, { watchIntervalMs: 10 });
  write(100);
  await sleep(100);
  assert.equal(checkpointer.running, false);
  assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 1000);
  await checkpointer.close();
  database.close();
});

test('once the WAL reaches the autocheckpoint size a worker checkpoints it, and the WAL stops growing', async () => {
  const { database, filename, write } = open('busy.db');
  const checkpointer = new WalCheckpointer(database, filename, { watchIntervalMs: 10 });
  write(1_200); // ~5 MB: past 1000 pages of WAL
  await waitFor('the worker', () => checkpointer.running && database.pragma('wal_autocheckpoint', { simple: true }) === 0);
  // 40 MB more, with pauses the worker can checkpoint in: the writer wraps around to the
  // start of a checkpointed WAL, so the file stays far below what it would reach unchecked.
  for (let i = 0; i < 20; i++) {
    write(500);
    await sleep(120);
  }
  assert.ok(walBytes(filename) < 16 * 2 ** 20, `WAL at ${walBytes(filename)} bytes`);
  assert.equal((database.prepare('select count(*) as n from blob').get() as { n: number }).n, 11_200);
  await checkpointer.close();
  assert.equal(checkpointer.running, false);
  database.close();
  // The last connection to close removes the WAL: the worker's is closed too.
  assert.equal(existsSync(`${filename}-wal`), false);
});

test('under steady writes, a millisecond apart, the worker still starts the WAL over once it passes restartBytes', async () => {
  const { database, filename, write } = open('steady.db');
  const checkpointer = new WalCheckpointer(database, filename, { watchIntervalMs: 10, restartBytes: 2 * 2 ** 20 });
  write(1_200);
  await waitFor('the worker', () => checkpointer.running);
  // ~1.5 s of commits a millisecond apart: a PASSIVE checkpoint always finds new frames
  // behind it, so without the RESTART the WAL grows by everything written.
  let written = 0;
  for (const started = Date.now(); Date.now() - started < 1500; written += 100) {
    write(100);
    await sleep(1);
  }
  // Unchecked, the WAL holds more than every byte written (333 MB for 289 MB, 426 MB for
  // 185 MB in two runs here: each row touches a leaf and its parents); started over, its
  // file only reaches restartBytes plus what lands while the worker waits its turn (~23 MB
  // alone, 43 MB in a CI run sharing both cores with other test files), and a WAL file
  // never shrinks.
  assert.ok(written * 4096 > 32 * 2 ** 20, `only ${written} rows written`);
  assert.ok(walBytes(filename) < written * 4096, `WAL at ${walBytes(filename)} bytes after ${written * 4096} bytes written`);
  assert.equal((database.prepare('select count(*) as n from blob').get() as { n: number }).n, 1_200 + written);
  await checkpointer.close();
  database.close();
});
