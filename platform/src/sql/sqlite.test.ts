import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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
  assert.equal(Number(mmap.rows[0]?.mmap_size), 2 ** 30);
  const temp = await sql<{ temp_store: number }>`pragma temp_store`.execute(engine.db);
  assert.equal(Number(temp.rows[0]?.temp_store), 2, 'MEMORY');
  await engine.close();
});
