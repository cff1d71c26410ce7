import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely, KyselyPlugin } from 'kysely';
import { SqliteEngine } from '../sql/index.ts';
import { AckedDeliveries } from './acked-deliveries.ts';
import { busMigrations, type BusTables } from './migrations.ts';

/** Counts the DELETE statements run through it. */
function countingDeletes(): KyselyPlugin & { deletes: number } {
  return {
    deletes: 0,
    transformQuery(args) {
      if (args.node.kind === 'DeleteQueryNode') this.deletes++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
}

test('the acks of every group in one turn are deleted by one statement, and each caller resumes once its rows are gone', async () => {
  const engine = new SqliteEngine({ filename: ':memory:' });
  await engine.migrate(busMigrations);
  const counter = countingDeletes();
  const db = (engine.db as Kysely<BusTables>).withPlugin(counter);
  const delivery = (group: string, eventId: number) => ({ group_name: group, event_id: String(eventId), visible_at: 0, attempts: 1, last_error: null });
  await db.insertInto('bus_delivery').values([delivery('gateway', 1), delivery('gateway', 2), delivery('push', 1), delivery('push', 2), delivery('push', 3)]).execute();
  const left = async () => (await db.selectFrom('bus_delivery').select(['group_name', 'event_id']).orderBy('group_name').orderBy('event_id').execute()).map((r) => `${r.group_name} ${r.event_id}`);
  const acked = new AckedDeliveries(db);

  await Promise.all([
    acked.delete('gateway', ['1', '2']).then(async () => assert.deepEqual(await left(), ['push 3'])),
    acked.delete('push', ['1', '2']),
  ]);
  assert.equal(counter.deletes, 1);
  await acked.delete('push', ['3']);
  assert.equal(counter.deletes, 2, 'a later turn runs its own');
  assert.deepEqual(await left(), []);
  await engine.close();
});
