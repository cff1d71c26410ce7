/**
 * Contract cases for the transactional outbox and its relay, and for consumer dedupe
 * marks: what commits is delivered, what rolls back never is, relays do not double up,
 * and `markProcessed` tells new ids from seen ones inside the caller's transaction.
 */
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { record, sleep, waitFor, type ContractContext } from './contract-support.ts';
import type { Bus } from './interface.ts';
import type { BusTables } from './migrations.ts';
import { OutboxRelay } from './outbox-relay.ts';

export function outboxCases(ctx: ContractContext): void {
  const { it, names } = ctx;
  const bus = () => ctx.bus;
  const db = () => ctx.fixture.sql.db as Kysely<BusTables>;

  it('events written to the outbox in a committed transaction are delivered (by the relay, or queued directly with transactionalPublish)', async () => {
    const { root, group } = names('outbox');
    const relay = new OutboxRelay({ sql: ctx.fixture.sql, bus: bus() });
    relay.start();
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    // Stopped whatever happens: a relay left running would publish the later cases' rows.
    try {
      const written = await db()
        .transaction()
        .execute((trx) => bus().writeOutbox(trx, [{ type: 'account.created', subject: `${root}.account.created`, payload: { handle: 'ada' } }]));
      relay.notify();
      await waitFor('the relayed event', () => recorder.received.length === 1);
      assert.deepEqual(recorder.received[0]?.event, written[0], 'same id, payload and time as written');
      const row = () => db().selectFrom('outbox').select('sent_at').where('id', '=', written[0]!.id).executeTakeFirst();
      if (bus().capabilities.transactionalPublish) {
        assert.equal(await row(), undefined, 'queued directly: no outbox row');
      } else {
        // The relay marks a row sent after publishing it, so a fast consumer can see the event first.
        await waitFor('the row marked sent', async () => typeof (await row())?.sent_at === 'number');
      }
    } finally {
      await relay.stop();
      await consumer.stop();
    }
  });

  it('events written in a rolled-back transaction are never delivered', async () => {
    const { root, group } = names('rollback');
    const relay = new OutboxRelay({ sql: ctx.fixture.sql, bus: bus() });
    relay.start();
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    await assert.rejects(
      db()
        .transaction()
        .execute(async (trx) => {
          await bus().writeOutbox(trx, [{ type: 'lost', subject: `${root}.lost`, payload: 1 }]);
          throw new Error('state change failed');
        }),
      /state change failed/,
    );
    relay.notify();
    await db()
      .transaction()
      .execute((trx) => bus().writeOutbox(trx, [{ type: 'kept', subject: `${root}.kept`, payload: 2 }]));
    relay.notify();
    await waitFor('the committed event', () => recorder.received.length >= 1);
    await sleep(200);
    assert.deepEqual(
      recorder.received.map((r) => r.event.type),
      ['kept'],
    );
    await relay.stop();
    await consumer.stop();
  });

  it('a local outbox write wakes the relay without notify or polling', async () => {
    const { root, group } = names('hint');
    const relay = new OutboxRelay({ sql: ctx.fixture.sql, bus: bus(), pollIntervalMs: 60_000 });
    relay.start();
    await relay.flush();
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`] });
    await db()
      .transaction()
      .execute((trx) => bus().writeOutbox(trx, [{ type: 'hinted', subject: `${root}.hinted`, payload: 1 }]));
    await waitFor('the relayed event', () => recorder.received.length === 1, 1000);
    await relay.stop();
    await consumer.stop();
  });

  it('two relays never publish one outbox row twice', async () => {
    const { root, group } = names('relays');
    const other = await ctx.fixture.open(4);
    // Counted at the relays: the bus would hide a double publish from consumers.
    const relayed: string[] = [];
    const counting = (b: Bus): Pick<Bus, 'publish'> => ({
      publish: async (events) => {
        relayed.push(...events.flatMap((e) => (e.id ? [e.id] : [])));
        await sleep(2);
        return b.publish(events);
      },
    });
    const relays = [bus(), other].map((b) => new OutboxRelay({ sql: ctx.fixture.sql, bus: counting(b), batchSize: 20 }));
    const { consumer, recorder } = await record(bus(), { group, subjects: [`${root}.>`], batchSize: 50 });
    const written: string[] = [];
    for (let t = 0; t < 3; t++) {
      const events = await db()
        .transaction()
        .execute((trx) => bus().writeOutbox(trx, Array.from({ length: 100 }, (_, n) => ({ type: 'row', subject: `${root}.row`, payload: t * 100 + n }))));
      written.push(...events.map((e) => e.id));
    }
    for (const relay of relays) relay.start();
    await waitFor('300 relayed events', () => recorder.received.length >= 300);
    await sleep(200);
    if (bus().capabilities.transactionalPublish) assert.deepEqual(relayed, [], 'queued directly: nothing left for the relays');
    else {
      assert.equal(relayed.length, 300, 'each row published by one relay only');
      assert.deepEqual(new Set(relayed), new Set(written));
    }
    assert.deepEqual(new Set(recorder.received.map((r) => r.event.id)), new Set(written));
    assert.equal(recorder.received.length, 300);
    await Promise.all(relays.map((r) => r.stop()));
    await consumer.stop();
  });

  it('stats count outbox rows until they are relayed, and sent rows are pruned after the retention (with transactionalPublish, none are written)', async () => {
    const { root } = names('pending');
    const before = (await bus().stats()).outboxPending;
    const written = await db()
      .transaction()
      .execute((trx) => bus().writeOutbox(trx, [1, 2].map((n) => ({ type: 'p', subject: `${root}.p`, payload: n }))));
    const rowsLeft = () =>
      db()
        .selectFrom('outbox')
        .select('id')
        .where(
          'id',
          'in',
          written.map((e) => e.id),
        )
        .execute();
    if (bus().capabilities.transactionalPublish) {
      assert.equal((await bus().stats()).outboxPending, before);
      assert.deepEqual(await rowsLeft(), []);
      return;
    }
    assert.equal((await bus().stats()).outboxPending, before + 2);
    const relay = new OutboxRelay({ sql: ctx.fixture.sql, bus: bus(), retentionMs: 0 });
    assert.ok((await relay.flush()) >= 2);
    assert.equal((await bus().stats()).outboxPending, 0);
    await sleep(5);
    assert.ok((await relay.pruneSent()) >= 2);
    assert.deepEqual(await rowsLeft(), []);
  });

  it('markProcessed returns only ids the group has not seen, and its marks roll back with the transaction', async () => {
    const { group } = names('dedupe');
    const [a, b, c, d] = ['9000000000000000001', '9000000000000000002', '9000000000000000003', '9000000000000000004'];
    const mark = (g: string, ids: string[]) => db().transaction().execute((trx) => bus().markProcessed(trx, g, ids));
    assert.deepEqual(await mark(group, [a!, b!]), [a, b]);
    assert.deepEqual(await mark(group, [b!, c!, c!]), [c]);
    assert.deepEqual(await mark(`${group}-other`, [a!]), [a], 'groups dedupe separately');
    assert.deepEqual(await mark(group, []), []);
    await assert.rejects(
      db()
        .transaction()
        .execute(async (trx) => {
          assert.deepEqual(await bus().markProcessed(trx, group, [d!]), [d]);
          throw new Error('effect failed');
        }),
      /effect failed/,
    );
    assert.deepEqual(await mark(group, [d!, a!]), [d], 'a rolled-back mark does not count');
  });
}
