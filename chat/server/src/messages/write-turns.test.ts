import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { sql, type Kysely } from 'kysely';
import { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent } from '../core.ts';
import { WriteTurns, type LaneWriter } from './write-turns.ts';

await forEachEngineSet('write turns', (engines) => {
  let t: TestPlatform;
  let outboxWrites: string[][];
  let committed: string[][];
  let turns: WriteTurns;
  before(async () => {
    t = await startTestPlatform(engines);
    await sql`create table turn_item (k text primary key)`.execute(t.platform.sql.db);
    const bus = t.platform.bus;
    // The real bus, with its outbox writes recorded.
    const recording = Object.create(bus) as typeof bus;
    recording.writeOutbox = (trx, events) => {
      outboxWrites.push(events.map((e) => e.type));
      return bus.writeOutbox(trx, events);
    };
    const outbox = new ChatOutbox({ bus: recording, notifyRelay: () => t.platform.outboxRelay.notify(), onError: (error) => assert.fail(String(error)) });
    outbox.onCommitted((events) => committed.push(events.map((e) => e.type)));
    turns = new WriteTurns({ db: t.platform.sql.db, outbox, isRetryable: (error) => t.platform.sql.isUniqueViolation(error) });
  });
  after(() => t.close());

  const keys = async () => (await t.platform.sql.db.selectFrom('turn_item' as never).select(sql<string>`k`.as('k')).orderBy(sql`k`).execute()).map((r) => r.k);
  const insert = (trx: Kysely<any>, k: string) => trx.insertInto('turn_item').values({ k }).execute();
  /** A lane inserting each item's key and announcing them with one event of `type`. */
  const inserting = (type: ChatEvent['type'], seen: Array<Kysely<any>>): LaneWriter<string, string> => async (trx, items) => {
    seen.push(trx);
    for (const k of items) await insert(trx, k);
    // The payload's shape does not matter here: nothing but the recorders reads it.
    const events = [{ type, payload: { items } }] as unknown as ChatEvent[];
    return { results: items.map((k) => ({ status: 'fulfilled', value: k.toUpperCase() })), events };
  };

  test('lanes submitted to in one turn write in one transaction, in lane order, with one outbox write', async () => {
    outboxWrites = [];
    committed = [];
    const seen: Array<Kysely<any>> = [];
    const appends = turns.lane(inserting('chat.messages', seen));
    const acks = turns.lane(inserting('chat.acked', seen));
    const settledAfter: number[] = [];
    const results = await Promise.all([acks('a1'), appends('m1'), appends('m2', { gathered: true })].map((p) => p.then((r) => (settledAfter.push(committed.length), r))));
    assert.deepEqual(results, ['A1', 'M1', 'M2']);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1], 'both lanes were handed the same transaction');
    assert.deepEqual(outboxWrites, [['chat.messages', 'chat.acked']]);
    assert.deepEqual(committed, [['chat.messages', 'chat.acked']], 'this node’s listeners got the turn’s events once');
    assert.deepEqual(settledAfter, [1, 1, 1], 'before any item settled');
    assert.deepEqual(await keys(), ['a1', 'm1', 'm2']);
  });

  test('a lane that throws fails the whole turn and rolls back every lane’s writes', async () => {
    committed = [];
    const fine = turns.lane(inserting('chat.messages', []));
    const broken = turns.lane<string, string>(async (trx) => {
      await sql`select * from no_such_table`.execute(trx);
      return { results: [], events: [] };
    });
    const results = await Promise.allSettled([fine('f1'), broken('b1')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal((await keys()).includes('f1'), false);
    assert.deepEqual(committed, [], 'nothing rolled back reaches a listener');
  });

  test('a retryable failure runs the whole turn again, each lane seeing the rolled-back state', async () => {
    let attempts = 0;
    committed = [];
    const first = turns.lane(inserting('chat.messages', []));
    const racing = turns.lane<string, string>(async (trx, items) => {
      attempts++;
      // On the first attempt another writer "got there first": a unique violation.
      if (attempts === 1) await insert(trx, 'r1');
      for (const k of items) await insert(trx, k);
      return { results: items.map((k) => ({ status: 'fulfilled', value: k })), events: [] };
    });
    const results = await Promise.all([first('r0'), racing('r1')]);
    assert.deepEqual(results, ['R0', 'r1']);
    assert.equal(attempts, 2);
    assert.deepEqual((await keys()).filter((k) => k.startsWith('r')), ['r0', 'r1']);
    assert.deepEqual(committed, [['chat.messages']], 'only the attempt that committed');
  });
});
