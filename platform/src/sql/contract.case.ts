/**
 * The behaviour every SQL engine must share, run against SQLite and PostgreSQL alike.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlEngine } from './interface.ts';
import { pairIn } from './pairs.ts';
import { RowInserter } from './row-inserter.ts';

interface ContractDb {
  widget: { id: string; name: string; created_at: number; hits: number };
}

const migrations: Record<string, Migration> = {
  'contract/0001_widget': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('widget')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};

export interface SqlContractOptions {
  create: () => Promise<SqlEngine<ContractDb>>;
  skip?: { reason: string; tests: string[] }[];
}

export function runContract({ create, skip = [] }: SqlContractOptions): void {
  let engine: SqlEngine<ContractDb>;
  const skipped = (name: string) => skip.find((s) => s.tests.includes(name))?.reason ?? false;
  const it = (name: string, fn: () => Promise<void>) => test(name, { skip: skipped(name) }, fn);

  before(async () => {
    engine = await create();
    await engine.migrate(migrations);
  });
  after(() => engine.close());

  it('migrate is idempotent and records each migration once', async () => {
    await engine.migrate(migrations);
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(engine.db);
    assert.deepEqual(rows.rows.map((r) => r.name), ['contract/0001_widget']);
  });

  it('a migration added later that sorts earlier still runs', async () => {
    await engine.migrate({
      ...migrations,
      'aaa/0001_gadget': { up: (db) => db.schema.createTable('gadget').addColumn('id', 'integer').execute() },
    });
    await engine.db.withTables<{ gadget: { id: number } }>().insertInto('gadget').values({ id: 1 }).execute();
  });

  it('reads 64-bit ids exactly as strings and small integers as numbers', async () => {
    const id = '9007199254740993123';
    const now = Date.now();
    await engine.db.insertInto('widget').values({ id, name: 'exact', created_at: now, hits: 3 }).execute();
    const row = await engine.db.selectFrom('widget').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.id, id);
    assert.equal(row.created_at, now);
    assert.equal(row.hits, 3);
    const count = await engine.db.selectFrom('widget').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(typeof count.n, 'number');
  });

  it('commits a transaction and rolls one back when it throws', async () => {
    await engine.db.transaction().execute(async (trx) => {
      await trx.insertInto('widget').values({ id: '9100000000000000001', name: 'kept', created_at: 1, hits: 0 }).execute();
    });
    await assert.rejects(
      engine.db.transaction().execute(async (trx) => {
        await trx.insertInto('widget').values({ id: '9100000000000000002', name: 'lost', created_at: 1, hits: 0 }).execute();
        throw new Error('abort');
      }),
      /abort/,
    );
    const names = await engine.db.selectFrom('widget').select('name').where('name', 'in', ['kept', 'lost']).execute();
    assert.deepEqual(names.map((r) => r.name), ['kept']);
  });

  it('recognises a unique violation', async () => {
    const error = await engine.db
      .insertInto('widget')
      .values({ id: '9100000000000000003', name: 'kept', created_at: 1, hits: 0 })
      .execute()
      .catch((e: unknown) => e);
    assert.equal(engine.isUniqueViolation(error), true);
    assert.equal(engine.isUniqueViolation(new Error('other')), false);
  });

  it('supports RETURNING and ON CONFLICT DO NOTHING', async () => {
    const inserted = await engine.db
      .insertInto('widget')
      .values({ id: '9100000000000000004', name: 'returned', created_at: 1, hits: 0 })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
    assert.deepEqual(inserted, { id: '9100000000000000004', name: 'returned' });
    const again = await engine.db
      .insertInto('widget')
      .values({ id: '9100000000000000005', name: 'returned', created_at: 1, hits: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .execute();
    assert.deepEqual(again, []);
  });

  it('keeps concurrent read-modify-write updates consistent', async () => {
    await engine.db.insertInto('widget').values({ id: '9100000000000000006', name: 'counter', created_at: 1, hits: 0 }).execute();
    await Promise.all(
      Array.from({ length: 40 }, () =>
        engine.db
          .updateTable('widget')
          .set((eb) => ({ hits: eb('hits', '+', 1) }))
          .where('name', '=', 'counter')
          .execute(),
      ),
    );
    const row = await engine.db.selectFrom('widget').select('hits').where('name', '=', 'counter').executeTakeFirstOrThrow();
    assert.equal(row.hits, 40);
  });

  it('pairIn finds rows by a two-column key, one listed pair at a time', async () => {
    const rows = [
      { id: '9100000000000000010', name: 'pair-a', created_at: 1, hits: 0 },
      { id: '9100000000000000011', name: 'pair-b', created_at: 2, hits: 0 },
    ];
    await engine.db.insertInto('widget').values(rows).execute();
    const found = await engine.db
      .selectFrom('widget')
      .select('name')
      // The crossed pairs (a's id with b's name…) must not match, as two IN lists would.
      .where(pairIn(['id', 'bigint'], ['name', 'text'], [[rows[0]!.id, 'pair-a'], [rows[0]!.id, 'pair-b'], [rows[1]!.id, 'pair-a']]))
      .execute();
    assert.deepEqual(found, [{ name: 'pair-a' }]);
    assert.deepEqual(await engine.db.selectFrom('widget').select('name').where(pairIn(['id', 'bigint'], ['name', 'text'], [])).execute(), []);
  });

  it('RowInserter inserts rows as Kysely would, reusing one text per row count, inside a transaction too', async () => {
    const widgets = new RowInserter<keyof ContractDb['widget']>('widget', ['id', 'name', 'created_at', 'hits'], (insert) => insert.onConflict((oc) => oc.doNothing()));
    const row = (n: number, name = `rows-${n}`) => ({ id: String(9200000000000000000n + BigInt(n)), name, created_at: n, hits: n % 3 });
    await widgets.insert(engine.db, [row(1), row(2), row(3)]);
    await widgets.insert(engine.db, [row(4), row(5), row(6)]); // the same text, other values
    await engine.db.transaction().execute((trx) => widgets.insert(trx, [row(7)]));
    // The shape applies: a conflicting row is skipped, not an error.
    await widgets.insert(engine.db, [row(8), row(1, 'rows-1')]);
    const stored = await engine.db.selectFrom('widget').selectAll().where('name', 'like', 'rows-%').orderBy('created_at').execute();
    assert.deepEqual(stored, [1, 2, 3, 4, 5, 6, 7, 8].map((n) => row(n)));
    // A row with a column the inserter does not list would lose it: refused before anything is written.
    const other = new RowInserter<keyof ContractDb['widget']>('widget', ['id', 'name', 'created_at']);
    await assert.rejects(other.insert(engine.db, [row(9)]), /columns it does not list: hits/);
    assert.equal((await engine.db.selectFrom('widget').select('id').where('name', '=', 'rows-9').execute()).length, 0);
  });

  it('answers ping', async () => {
    await engine.ping();
  });
}
