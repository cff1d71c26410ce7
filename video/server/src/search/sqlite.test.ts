import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { SqliteEngine } from '@twin/platform/sql';
import { runContract } from './contract.case.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite fts5 search index contract', () => {
  runContract({ create: async () => new SqliteEngine({ filename: join(dir, 'search.db') }) });
});
