import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { sql, type KyselyPlugin } from 'kysely';
import { SqliteEngine } from '@twin/platform/sql';
import { DocumentCounts } from './sqlite-document-counts.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-counts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('document counts are counted once, kept while the index is unchanged, and recounted after any write to it', async () => {
  const filename = join(dir, 'counts.db');
  const engine = new SqliteEngine({ filename });
  await sql`create virtual table doc using fts5(body, content = '', contentless_delete = 1)`.execute(engine.db);
  await sql`insert into doc (rowid, body) values (1, 'red fox'), (2, 'red dog'), (3, 'grey fox')`.execute(engine.db);
  const counts = new DocumentCounts('doc');

  // Counts the MATCH statements it runs.
  let matches = 0;
  const db = engine.db.withPlugin({
    transformQuery(args) {
      if (JSON.stringify(args.node).includes(' match ')) matches++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  } satisfies KyselyPlugin);

  assert.deepEqual(await counts.of(db, ['red', 'fox', 'cat']), [2, 2, 0]);
  assert.equal(matches, 3);
  assert.deepEqual(await counts.of(db, ['fox', 'red']), [2, 2]);
  assert.equal(matches, 3, 'an unchanged index is not counted again');

  // A write through this connection.
  await sql`insert into doc (rowid, body) values (4, 'red red cat')`.execute(engine.db);
  assert.deepEqual(await counts.of(db, ['red', 'cat']), [3, 1]);

  // A delete by another connection (as `npm run reindex`, its own process, makes).
  const other = new Database(filename);
  other.prepare(`delete from doc where rowid = 1`).run();
  other.close();
  assert.deepEqual(await counts.of(db, ['red', 'fox', 'cat']), [2, 1, 1]);
  await engine.close();
});
