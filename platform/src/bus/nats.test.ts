/**
 * The NATS JetStream bus (a stream and subject prefix per run, SQL tables in SQLite): the
 * bus contract, plus stream creation, consumer updates and durable naming.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SqliteEngine } from '../sql/index.ts';
import { skipUnlessReachable, testEngines, uniqueTestName } from '../testing/engines.ts';
import { runContract } from './contract.case.ts';
import { record, waitFor, type BusFixture } from './contract-support.ts';
import type { Bus } from './interface.ts';
import { busMigrations } from './migrations.ts';
import { durableName, NatsBus } from './nats.ts';

const skip = await skipUnlessReachable('nats');

/** Deletes a test's stream, and with it every consumer the test made. */
async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: testEngines.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** A stream and subject prefix of its own on the NATS server; SQL tables in a fresh SQLite file. */
async function natsFixture(): Promise<BusFixture & { stream: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bus-nats-'));
  const sql = new SqliteEngine({ filename: join(dir, 'bus.db') });
  await sql.migrate(busMigrations);
  const stream = uniqueTestName('BUS');
  const opened: Bus[] = [];
  return {
    sql,
    stream,
    async open(nodeId) {
      const bus = await NatsBus.connect({ sql, url: testEngines.nats, nodeId, stream, subjectPrefix: stream });
      opened.push(bus);
      return bus;
    },
    async close() {
      await Promise.all(opened.map((b) => b.close()));
      await deleteStream(stream);
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('NATS JetStream bus: contract', { skip }, () => {
  runContract({ create: natsFixture });
});

describe('NATS JetStream bus', { skip }, () => {
  test('creates its stream with interest retention under the subject prefix, and reuses it on the next start', async () => {
    const fixture = await natsFixture();
    await fixture.open(1);
    await fixture.open(2);
    const nc = await connect({ servers: testEngines.nats });
    const info = await (await jetstreamManager(nc)).streams.info(fixture.stream);
    assert.equal(info.config.retention, RetentionPolicy.Interest);
    assert.deepEqual(info.config.subjects, [`${fixture.stream}.>`]);
    await nc.close();
    await fixture.close();
  });

  test('a group started again with other settings has its durable consumer updated in place', async () => {
    const fixture = await natsFixture();
    const bus = await fixture.open(1);
    await (await bus.consume({ group: 'redeploy', subjects: ['redeploy.a'], ackTimeoutMs: 60_000, handler: () => {} })).stop();
    await bus.publish([{ type: 'x', subject: 'redeploy.a', payload: 1 }]);
    const { consumer, recorder } = await record(bus, { group: 'redeploy', subjects: ['redeploy.a'], ackTimeoutMs: 200 });
    recorder.decide = (d) => (d.attempt === 1 ? undefined : d.ack());
    await waitFor('a redelivery after the new, shorter ack timeout', () => recorder.received.length >= 2, 2000);
    const nc = await connect({ servers: testEngines.nats });
    const info = await (await jetstreamManager(nc)).consumers.info(fixture.stream, 'redeploy');
    assert.equal(info.config.ack_wait, 200 * 1_000_000);
    await nc.close();
    await consumer.stop();
    await fixture.close();
  });

  test('a group becomes one durable consumer, with names NATS would reject escaped', () => {
    assert.equal(durableName('video-transcode_2'), 'video-transcode_2');
    assert.equal(durableName('notify.12'), 'notify~2e~12');
    assert.notEqual(durableName('a.b'), durableName('a_b'));
    assert.match(durableName('x/y*z>'), /^[A-Za-z0-9_~-]+$/);
  });
});
