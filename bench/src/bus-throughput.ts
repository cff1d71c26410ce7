/**
 * Bus half of the platform benchmark: events/s from the first publish to the last ack,
 * publishing in batches of 100 and consuming in batches of 100, on the embedded bus
 * (SQLite and PostgreSQL tables) and on NATS JetStream, in one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busMigrations, createBus, type Bus } from '@twin/platform/bus';
import { dropSchema, PostgresEngine, SqliteEngine, type SqlEngine } from '@twin/platform/sql';
import { isReachable, testEngines, uniqueTestName } from '@twin/platform/testing';

const BATCH = 100;

export type BusEngine = 'embedded-sqlite' | 'embedded-postgres' | 'nats';

async function throughput(bus: Bus, events: number): Promise<number> {
  let acked = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = await bus.consume({
    group: 'bench',
    subjects: ['bench.>'],
    batchSize: BATCH,
    handler: (deliveries) => {
      for (const delivery of deliveries) delivery.ack();
      acked += deliveries.length;
      if (acked >= events) done();
    },
  });
  const start = performance.now();
  for (let i = 0; i < events; i += BATCH) {
    await bus.publish(Array.from({ length: BATCH }, (_, n) => ({ type: 'bench.tick', payload: { n: i + n, text: 'hello world' } })));
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await consumer.stop();
  return events / seconds;
}

/** Events/s published → acked on one engine, with a fresh database, schema or stream. */
export async function measureBus(engine: BusEngine, events: number): Promise<number> {
  const name = uniqueTestName('bench');
  const dir = mkdtempSync(join(tmpdir(), 'bench-bus-'));
  const sql: SqlEngine =
    engine === 'embedded-postgres' ? new PostgresEngine({ connectionString: testEngines.postgres, schema: name }) : new SqliteEngine({ filename: join(dir, 'bus.sqlite') });
  await sql.migrate(busMigrations);
  const bus = await createBus({ sql, nodeId: 1, ...(engine === 'nats' ? { natsUrl: testEngines.nats, stream: name, subjectPrefix: name } : {}) });
  try {
    return await throughput(bus, events);
  } finally {
    await bus.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
    if (engine === 'embedded-postgres') {
      await dropSchema(testEngines.postgres, name);
    }
    if (engine === 'nats') {
      const nc = await connect({ servers: testEngines.nats });
      await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
      await nc.close();
    }
  }
}

export async function availableBusEngines(): Promise<BusEngine[]> {
  const engines: BusEngine[] = ['embedded-sqlite'];
  if (await isReachable(testEngines.postgres)) engines.push('embedded-postgres');
  if (await isReachable(testEngines.nats)) engines.push('nats');
  return engines;
}
