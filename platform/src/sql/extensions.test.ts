import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { SqliteEngine } from './sqlite.ts';

const documents = [
  ['red fox', 'a quick red fox jumps over the lazy dog'],
  ['lazy dog', 'the dog sleeps all day, a red ball beside it'],
  ['fox tales', 'stories of foxes, red and grey, told at night by a fox'],
  ['grey cat', 'nothing about the others here at all'],
  ['red red red', 'red'],
];

async function corpus() {
  const engine = new SqliteEngine({ filename: ':memory:' });
  await sql`create virtual table doc using fts5(title, body, content = '')`.execute(engine.db);
  for (const [i, [title, body]] of documents.entries()) await sql`insert into doc (rowid, title, body) values (${i + 1}, ${title}, ${body})`.execute(engine.db);
  return engine;
}

const count = async (engine: SqliteEngine, phrase: string) => Number((await sql<{ n: number }>`select count(*) as n from doc where doc match ${phrase}`.execute(engine.db)).rows[0]!.n);

test('bm25df with the true document counts scores exactly as bm25(), negated', async () => {
  const engine = await corpus();
  for (const terms of [['red'], ['red', 'fox'], ['dog', 'lazy']]) {
    const counts = await Promise.all(terms.map((t) => count(engine, `"${t}"`)));
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    const { rows } = await sql<{ id: number; ours: number; theirs: number }>`
      select rowid as id, bm25df(doc, 3.0, 1.0, null, ${sql.join(counts)}) as ours, -bm25(doc, 3.0, 1.0) as theirs
      from doc where doc match ${match}`.execute(engine.db);
    assert.ok(rows.length >= 2, terms.join(' '));
    for (const r of rows) assert.ok(Math.abs(r.ours - r.theirs) < 1e-12, `${terms.join(' ')} row ${r.id}: ${r.ours} vs ${r.theirs}`);
  }
  await engine.close();
});

test('bm25df leaves a phrase whose count is NULL unscored: it must match but adds nothing', async () => {
  const engine = await corpus();
  const red = await count(engine, '"red"');
  const { rows } = await sql<{ id: number; both: number; alone: number }>`
    select rowid as id, bm25df(doc, 3.0, 1.0, null, ${red}, null) as both,
      (select bm25df(doc, 3.0, 1.0, null, ${red}) from doc d where d.doc match '"red"' and d.rowid = doc.rowid) as alone
    from doc where doc match '"red" fo*'`.execute(engine.db);
  assert.deepEqual(rows.map((r) => Number(r.id)).sort(), [1, 3]);
  for (const r of rows) assert.equal(r.both, r.alone);
  const prefixOnly = await sql<{ score: number }>`select bm25df(doc, 3.0, 1.0, null, null) as score from doc where doc match 'fo*'`.execute(engine.db);
  assert.deepEqual(prefixOnly.rows.map((r) => r.score), [0, 0]);
  await engine.close();
});

test('bm25df refuses arguments that do not give a weight per column, the tokens and a count per phrase', async () => {
  const engine = await corpus();
  await assert.rejects(sql`select bm25df(doc, 3.0, 1.0, 2) from doc where doc match 'red'`.execute(engine.db), /one weight per column, the row's tokens, then one document count per phrase/);
  await assert.rejects(sql`select bm25df(doc, 3.0, 1.0, null, 2, 2) from doc where doc match 'red'`.execute(engine.db), /one weight per column/);
  await engine.close();
});

test('bm25df scores a row by the length it is given instead of reading it from FTS5', async () => {
  const engine = await corpus();
  await sql`create table length (id integer primary key, tokens integer not null)`.execute(engine.db);
  // The words of title and body, as unicode61 counts them, and the last row told 40.
  const lengths = documents.map((d, i) => sql`(${i + 1}, ${i === documents.length - 1 ? 40 : d.join(' ').split(/\W+/).filter(Boolean).length})`);
  await sql`insert into length values ${sql.join(lengths)}`.execute(engine.db);
  const red = await count(engine, '"red"');
  const { rows } = await sql<{ id: number; given: number; read: number }>`
    select doc.rowid as id, bm25df(doc, 3.0, 1.0, l.tokens, ${red}) as given, bm25df(doc, 3.0, 1.0, null, ${red}) as read
    from doc join length l on l.id = doc.rowid where doc match 'red'`.execute(engine.db);
  assert.equal(rows.length, 4);
  for (const r of rows) {
    if (Number(r.id) === 5) assert.ok(r.given < r.read, 'a longer row scores lower');
    else assert.equal(r.given, r.read, `row ${r.id}`);
  }
  await engine.close();
});
