import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRow } from './events.ts';
import { LocalSignals, RecentEvents, type RegisteredGroup } from './local-signals.ts';

const row = (id: number, payloadChars: number): EventRow => ({ id: String(id), type: 'x', subject: 'x', payload: 'p'.repeat(payloadChars), published_at: 0 });

const once = (...rows: EventRow[]) => rows.map((r) => ({ row: r, claims: 1 }));

/** A `read` of the registered groups that counts its calls; `held` keeps the next one open until released. */
function groupsReader(groups: readonly RegisteredGroup[]) {
  const reader = { calls: 0, held: false, release: () => {} };
  const read = () => {
    reader.calls++;
    if (!reader.held) return Promise.resolve(groups);
    reader.held = false;
    return new Promise<readonly RegisteredGroup[]>((resolve) => (reader.release = () => resolve(groups)));
  };
  return { reader, read };
}

test('the registered groups are read once and kept until a registration changes them', async () => {
  const signals = new LocalSignals();
  const { reader, read } = groupsReader([{ name: 'a', subjects: 'a.>' }]);
  assert.deepEqual(await signals.registeredGroups(read), [{ name: 'a', subjects: 'a.>' }]);
  assert.deepEqual(await signals.registeredGroups(read), [{ name: 'a', subjects: 'a.>' }]);
  assert.equal(reader.calls, 1, 'the second publish reads nothing');
  signals.groupsChanged();
  await signals.registeredGroups(read);
  assert.equal(reader.calls, 2, 'a registration makes the next publish read again');
});

test('a read that a registration overtook is used once but not kept', async () => {
  const signals = new LocalSignals();
  const { reader, read } = groupsReader([]);
  reader.held = true;
  const raced = signals.registeredGroups(read);
  signals.groupsChanged(); // registered while the read was in flight: the read may predate it
  reader.release();
  await raced;
  await signals.registeredGroups(read);
  assert.equal(reader.calls, 2);
});

test('a recent event is held until every group it was queued for has taken it', () => {
  const recent = new RecentEvents(100, 1_000);
  recent.remember([{ row: row(1, 1), claims: 2 }, { row: row(2, 1), claims: 1 }]);
  assert.equal(recent.take('2')?.id, '2');
  assert.equal(recent.take('2'), undefined, 'taken by its only group');
  assert.equal(recent.take('1')?.id, '1');
  assert.equal(recent.size, 1);
  assert.equal(recent.take('1')?.id, '1');
  assert.equal(recent.size, 0);
  assert.equal(recent.payloadChars, 0);
});

test('recent events keep the newest within the count bound', () => {
  const recent = new RecentEvents(3, 1_000);
  recent.remember(once(row(1, 1), row(2, 1)));
  recent.remember(once(row(3, 1), row(4, 1)));
  assert.deepEqual([1, 2, 3, 4].map((id) => recent.take(String(id)) !== undefined), [false, true, true, true]);
});

test('recent events drop the oldest once their payloads pass the size bound', () => {
  const recent = new RecentEvents(100, 1_000);
  recent.remember(once(row(1, 400), row(2, 400)));
  recent.remember(once(row(3, 400)));
  assert.equal(recent.size, 2, 'the first went');
  assert.equal(recent.payloadChars, 800);
  // Remembering an event again replaces it without counting it twice.
  recent.remember(once(row(3, 400)));
  assert.equal(recent.payloadChars, 800);
  // One event over the bound on its own is not kept.
  recent.remember(once(row(4, 2_000)));
  assert.equal(recent.take('4'), undefined);
  assert.equal(recent.payloadChars, 0);
});
