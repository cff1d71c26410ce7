/**
 * The embedded bus on PostgreSQL (a schema per run): the bus contract with SKIP LOCKED
 * claims and relays, plus a consumer in a second process finding events by polling.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dropSchema as dropSchemaSafely, PostgresEngine } from '../sql/index.ts';
import { skipUnlessReachable, testEngines, uniqueTestName } from '../testing/engines.ts';
import { runContract } from './contract.case.ts';
import { record, waitFor, type BusFixture } from './contract-support.ts';
import { EmbeddedBus } from './embedded.ts';
import type { Bus } from './interface.ts';
import { busMigrations } from './migrations.ts';

const skip = await skipUnlessReachable('postgres');

const dropSchema = (schema: string) => dropSchemaSafely(testEngines.postgres, schema);

/** A PostgreSQL schema of its own for the run; claims and relays use SKIP LOCKED here. */
async function postgresFixture(): Promise<BusFixture> {
  const schema = uniqueTestName('bus');
  const sql = new PostgresEngine({ connectionString: testEngines.postgres, schema });
  await sql.migrate(busMigrations);
  const opened: Bus[] = [];
  return {
    sql,
    async open(nodeId) {
      const bus = new EmbeddedBus({ sql, nodeId });
      opened.push(bus);
      return bus;
    },
    async close() {
      await Promise.all(opened.map((b) => b.close()));
      await sql.close();
      await dropSchema(schema);
    },
  };
}

describe('embedded bus on PostgreSQL: contract', { skip }, () => {
  runContract({ create: postgresFixture });
});

describe('embedded bus on PostgreSQL', { skip }, () => {
  test('a consumer in another process sharing the database picks events up by polling', async () => {
    const schema = uniqueTestName('bus');
    const engines = [0, 1].map(() => new PostgresEngine({ connectionString: testEngines.postgres, schema }));
    await engines[0]!.migrate(busMigrations);
    const publisher = new EmbeddedBus({ sql: engines[0]!, nodeId: 1 });
    const remote = new EmbeddedBus({ sql: engines[1]!, nodeId: 2, pollIntervalMs: 50 });
    const { consumer, recorder } = await record(remote, { group: 'remote', subjects: ['far.>'] });
    const [event] = await publisher.publish([{ type: 'x', subject: 'far.away', payload: 1 }]);
    await waitFor('the polled delivery', () => recorder.received.length === 1, 2000);
    assert.equal(recorder.received[0]?.event.id, event?.id);
    await consumer.stop();
    await Promise.all([publisher.close(), remote.close()]);
    await Promise.all(engines.map((e) => e.close()));
    await dropSchema(schema);
  });
});
