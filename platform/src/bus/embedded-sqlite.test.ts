/**
 * The embedded bus on SQLite: the bus contract, plus what only the embedded queue does
 * (pruning acked events, not storing unwanted ones, counting its backlog, claims kept in
 * memory and what a crash leaves of them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql as rawSql, type Kysely } from 'kysely';
import { SqliteEngine } from '../sql/index.ts';
import { runContract } from './contract.case.ts';
import { record, sleep, waitFor, type BusFixture } from './contract-support.ts';
import { EmbeddedBus, type EmbeddedBusOptions } from './embedded.ts';
import type { Bus, Delivery } from './interface.ts';
import { busMigrations, type BusTables } from './migrations.ts';

/** A fresh SQLite file with the bus tables; buses opened on it share the engine, as in one process. */
async function sqliteFixture(options: Partial<EmbeddedBusOptions> = {}): Promise<BusFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'bus-sqlite-'));
  const sql = new SqliteEngine({ filename: join(dir, 'bus.db') });
  await sql.migrate(busMigrations);
  const opened: Bus[] = [];
  return {
    sql,
    async open(nodeId) {
      const bus = new EmbeddedBus({ sql, nodeId, ...options });
      opened.push(bus);
      return bus;
    },
    async close() {
      await Promise.all(opened.map((b) => b.close()));
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('embedded bus on SQLite: contract', () => {
  runContract({ create: () => sqliteFixture() });
});

describe('embedded bus on SQLite', () => {
  test('prunes an event once every group has acked it, and keeps it while one has not', async () => {
    const fixture = await sqliteFixture({ housekeepingIntervalMs: 20 });
    const bus = await fixture.open(1);
    const db = fixture.sql.db as Kysely<BusTables>;
    const fast = await record(bus, { group: 'fast', subjects: ['prune.>'] });
    const slow = await record(bus, { group: 'slow', subjects: ['prune.>'], ackTimeoutMs: 60_000 });
    const held: Delivery[] = [];
    slow.recorder.decide = (delivery) => void held.push(delivery);
    const [event] = await bus.publish([{ type: 'x', subject: 'prune.x', payload: 1 }]);
    await waitFor('both deliveries', () => fast.recorder.received.length === 1 && held.length === 1);
    const stored = () => db.selectFrom('bus_event').select('id').where('id', '=', event!.id).execute();
    await sleep(100); // housekeeping rounds
    assert.equal((await stored()).length, 1, 'the slow group still holds it');
    held[0]!.ack();
    await waitFor('the event to be pruned', async () => (await stored()).length === 0);
    await fixture.close();
  });

  test('a round looks only at the events settled since the last one; a bus starting sweeps every event no delivery is left for', async () => {
    const fixture = await sqliteFixture({ housekeepingIntervalMs: 20 });
    const db = fixture.sql.db as Kysely<BusTables>;
    const bus = await fixture.open(1);
    const { recorder } = await record(bus, { group: 'g', subjects: ['sweep.>'] });
    const [orphan] = await bus.publish([{ type: 'x', subject: 'sweep.orphan', payload: 1 }]);
    const storedIds = async () => (await db.selectFrom('bus_event').select('id').execute()).map((r) => String(r.id));
    await waitFor('the first event pruned', async () => recorder.received.length === 1 && (await storedIds()).length === 0);
    // What a process that stopped between settling and pruning leaves: an event without deliveries.
    await db.insertInto('bus_event').values({ id: orphan!.id, type: 'x', subject: 'sweep.orphan', payload: '1', published_at: 0 }).execute();
    const [other] = await bus.publish([{ type: 'x', subject: 'sweep.other', payload: 2 }]);
    await waitFor('the other event pruned', async () => recorder.received.length === 2 && !(await storedIds()).includes(other!.id));
    await sleep(100); // more rounds
    assert.deepEqual(await storedIds(), [orphan!.id], 'only the settled event was looked at');
    await bus.close();
    await fixture.open(2);
    await waitFor('the start-up sweep', async () => (await storedIds()).length === 0);
    await fixture.close();
  });

  test('an event no group wants is not stored', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    await bus.publish([{ type: 'x', subject: 'nobody.listens', payload: 1 }]);
    const rows = await (fixture.sql.db as Kysely<BusTables>).selectFrom('bus_event').selectAll().execute();
    assert.deepEqual(rows, []);
    assert.equal((await bus.stats()).backlog, 0);
    await fixture.close();
  });

  test('an event is not queued for a broadcast member that skips its own node’s events, and is again once that member stops', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    const db = fixture.sql.db as Kysely<BusTables>;
    const groupsQueued = async (id: string) => (await db.selectFrom('bus_delivery').select('group_name').where('event_id', '=', id).execute()).map((r) => r.group_name).sort();
    const skipping = await bus.consume({ group: 'gateway', subjects: ['own.>'], mode: 'broadcast', skipOwnEvents: true, handler: () => {} });
    await (await bus.consume({ group: 'push', subjects: ['own.>'], handler: () => {} })).stop();
    const [skipped] = await bus.publish([{ type: 'x', subject: 'own.x', payload: 1 }]);
    assert.deepEqual(await groupsQueued(skipped!.id), ['push'], 'stored for the work queue only');
    await skipping.stop();
    const [queued] = await bus.publish([{ type: 'x', subject: 'own.x', payload: 2 }]);
    assert.deepEqual(await groupsQueued(queued!.id), ['gateway.1', 'push']);
    await fixture.close();
  });

  test('stats count the backlog of unacked deliveries', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    await (await bus.consume({ group: 'idle', subjects: ['backlog.>'], handler: () => {} })).stop();
    await bus.publish([1, 2, 3].map((n) => ({ type: 'x', subject: 'backlog.x', payload: n })));
    assert.equal((await bus.stats()).backlog, 3);
    await fixture.close();
  });

  test('claims cost no write: a delivery in flight stays as published in SQL until it is settled', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    const db = fixture.sql.db as Kysely<BusTables>;
    let settle!: () => void;
    const held = new Promise<void>((resolve) => (settle = resolve));
    const consumer = await bus.consume({
      group: 'holds',
      subjects: ['hold.>'],
      handler: async (deliveries) => {
        await held;
        for (const d of deliveries) d.ack();
      },
    });
    const [event] = await bus.publish([{ type: 'x', subject: 'hold.x', payload: 1 }]);
    const row = () => db.selectFrom('bus_delivery').select(['visible_at', 'attempts']).where('event_id', '=', event!.id).executeTakeFirst();
    const before = await row();
    await sleep(50);
    assert.deepEqual(await row(), before, 'the claim wrote nothing');
    assert.equal(Number(before!.attempts), 0);
    settle();
    await waitFor('the ack to delete the delivery', async () => (await row()) === undefined);
    await consumer.stop();
    await fixture.close();
  });

  test('a delivery held by a process that dies is delivered at once on the next start, its long attempt counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bus-sqlite-crash-'));
    const file = join(dir, 'bus.db');
    const first = new SqliteEngine({ filename: file });
    await first.migrate(busMigrations);
    const dying = new EmbeddedBus({ sql: first, nodeId: 1 });
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    // A job that never finishes in this process: its ack timeout is far away.
    await dying.consume({ group: 'jobs', subjects: ['job.>'], ackTimeoutMs: 600_000, handler: () => (started(), blocked) });
    const [event] = await dying.publish([{ type: 'x', subject: 'job.x', payload: 1 }]);
    await handlerStarted;
    const db = first.db as Kysely<BusTables>;
    await waitFor('the attempt of a handler running past 1 s to be stored', async () => {
      const row = await db.selectFrom('bus_delivery').select('attempts').where('event_id', '=', event!.id).executeTakeFirst();
      return Number(row?.attempts) === 1;
    });

    // The next process on the file knows nothing of the first one's claims, as after kill -9.
    const second = new SqliteEngine({ filename: file });
    const restarted = new EmbeddedBus({ sql: second, nodeId: 2 });
    const { consumer, recorder } = await record(restarted, { group: 'jobs', subjects: ['job.>'] });
    await waitFor('the redelivery', () => recorder.received.length === 1);
    assert.deepEqual(recorder.attemptsOf(event!.id), [2]);

    await consumer.stop();
    await restarted.close();
    await second.close();
    unblock();
    await dying.close();
    await first.close();
    rmSync(dir, { recursive: true, force: true });
  });
  test('a member woken by a publish in a transaction handles it a macrotask later, after the publisher has carried on', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    const { recorder } = await record(bus, { group: 'later', subjects: ['later.>'] });
    await sleep(50); // the member has found nothing and sleeps
    await fixture.sql.db.transaction().execute((trx) => bus.writeOutbox(trx, [{ type: 'x', subject: 'later.x', payload: 1 }]));
    // The publisher's own continuation (a chat send's deliveries) runs in these microtasks:
    // the member's claim, handler and settlement must not run ahead of it.
    for (let i = 0; i < 200; i++) await Promise.resolve();
    assert.equal(recorder.received.length, 0, 'not handled inside the publisher’s microtasks');
    await waitFor('the delivery', () => recorder.received.length === 1);
    await fixture.close();
  });
  test('a group registered after a publish read the groups (another bus on the same engine) gets the next publish', async () => {
    const fixture = await sqliteFixture();
    const bus = await fixture.open(1);
    const first = await record(bus, { group: 'first', subjects: ['groups.>'] });
    await bus.publish([{ type: 'x', subject: 'groups.a', payload: 1 }]);
    await waitFor('the first group’s delivery', () => first.recorder.received.length === 1);
    // Another bus on the same engine, as another module of the process would open.
    const other = await fixture.open(2);
    const second = await record(other, { group: 'second', subjects: ['groups.>'] });
    await bus.publish([{ type: 'x', subject: 'groups.b', payload: 2 }]);
    await waitFor('both groups’ deliveries', () => first.recorder.received.length === 2 && second.recorder.received.length === 1);
    assert.deepEqual(second.recorder.received.map((r) => r.event.payload), [2]);
    await fixture.close();
  });
  test('gathers no planner statistics for its queue, which would make SQLite plan every claim and ack again at each run', async () => {
    const fixture = await sqliteFixture({ housekeepingIntervalMs: 20 });
    const bus = await fixture.open(1);
    const { recorder } = await record(bus, { group: 'busy', subjects: ['busy.>'] });
    // Past the backlog after which PostgreSQL's statistics are refreshed.
    for (let i = 0; i < 4; i++) await bus.publish(Array.from({ length: 300 }, (_, n) => ({ type: 'x', subject: 'busy.x', payload: n })));
    await waitFor('every delivery', () => recorder.received.length === 1200);
    await sleep(100); // housekeeping rounds
    assert.deepEqual(await statisticsOf(fixture.sql.db, 'bus_delivery'), []);
    await fixture.close();
  });
  test('bus/0005 drops the queue statistics an earlier version gathered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bus-sqlite-'));
    const sql = new SqliteEngine({ filename: join(dir, 'bus.db') });
    await sql.migrate(Object.fromEntries(Object.entries(busMigrations).filter(([name]) => name < 'bus/0005')));
    const db = sql.db as Kysely<BusTables>;
    await db.insertInto('bus_delivery').values(Array.from({ length: 50 }, (_, n) => ({ group_name: `g${n % 3}`, event_id: String(1000 + n), visible_at: n, attempts: 0, last_error: null }))).execute();
    await rawSql`analyze bus_delivery`.execute(db);
    assert.notDeepEqual(await statisticsOf(db, 'bus_delivery'), []);
    await sql.migrate(busMigrations);
    assert.deepEqual(await statisticsOf(db, 'bus_delivery'), []);
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

/** The rows SQLite's statistics tables hold for `table` (none when ANALYZE never ran). */
async function statisticsOf(db: Kysely<any>, table: string): Promise<unknown[]> {
  const { rows: tables } = await rawSql<{ name: string }>`select name from sqlite_schema where name in ('sqlite_stat1', 'sqlite_stat4')`.execute(db);
  const rows: unknown[] = [];
  for (const { name } of tables) rows.push(...(await rawSql`select * from ${rawSql.table(name)} where tbl = ${table}`.execute(db)).rows);
  return rows;
}
