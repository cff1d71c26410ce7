import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { skipUnlessReachable, testEngines, uniqueTestName } from '../testing/engines.ts';
import { runContract } from './contract.case.ts';
import { dropSchema as dropSchemaSafely, PostgresEngine } from './postgres.ts';

const skip = await skipUnlessReachable('postgres');

const dropSchema = (schema: string) => dropSchemaSafely(testEngines.postgres, schema);

describe('postgres engine contract', { skip }, () => {
  const schema = uniqueTestName('sqlc');
  runContract({
    create: async () => {
      const engine = new PostgresEngine({ connectionString: testEngines.postgres, schema });
      const close = engine.close.bind(engine);
      engine.close = async () => {
        await close();
        await dropSchema(schema);
      };
      return engine;
    },
  });
});

describe('postgres engine', { skip }, () => {
  test('isolates tables in its own schema', async () => {
    const schema = uniqueTestName('sqls');
    const engine = new PostgresEngine({ connectionString: testEngines.postgres, schema });
    await engine.migrate({ 'x/0001': { up: (db) => db.schema.createTable('only_here').addColumn('id', 'integer').execute() } });
    const found = await sql<{ table_schema: string }>`select table_schema from information_schema.tables where table_name = 'only_here'`.execute(engine.db);
    assert.ok(found.rows.some((r) => r.table_schema === schema));
    await engine.close();
    await dropSchema(schema);
  });
});

describe('postgres engine migrations', { skip }, () => {
  test('migrates a fresh schema while another schema already has the migration tables', async () => {
    const [first, second] = [uniqueTestName('sqlm'), uniqueTestName('sqlm')];
    const migrations = { 'x/0001': { up: (db: any) => db.schema.createTable('t').addColumn('id', 'integer').execute() } };
    const a = new PostgresEngine({ connectionString: testEngines.postgres, schema: first });
    await a.migrate(migrations);
    const b = new PostgresEngine({ connectionString: testEngines.postgres, schema: second });
    await b.migrate(migrations);
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${second} order by table_name`.execute(b.db);
    assert.deepEqual(tables.rows.map((r) => r.table_name), ['kysely_migration', 'kysely_migration_lock', 't']);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([dropSchema(first), dropSchema(second)]);
  });
});

describe('postgres engine migrations under concurrent DDL', { skip }, () => {
  test('migrate succeeds while other test runs create and drop schemas (regression: introspection race)', async () => {
    const churn = new pg.Client(testEngines.postgres);
    await churn.connect();
    let stop = false;
    const churning = (async () => {
      while (!stop) {
        const name = uniqueTestName('churn');
        await churn.query(`create schema ${name}; create table ${name}.t (id int, v text); create table ${name}.u (id int)`);
        await dropSchema(name);
      }
    })();
    const migrations = {
      'x/0001': { up: (db: any) => db.schema.createTable('a').addColumn('id', 'integer').execute() },
      'x/0002': { up: (db: any) => db.schema.createTable('b').addColumn('id', 'integer').execute() },
    };
    try {
      for (let i = 0; i < 15; i++) {
        const schema = uniqueTestName('sqlr');
        const engine = new PostgresEngine({ connectionString: testEngines.postgres, schema });
        try {
          await engine.migrate(migrations);
        } finally {
          await engine.close();
          await dropSchema(schema);
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
  });
});
