import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRow } from './events.ts';
import { RecentEvents } from './local-signals.ts';

const row = (id: number, payloadChars: number): EventRow => ({ id: String(id), type: 'x', subject: 'x', payload: 'p'.repeat(payloadChars), published_at: 0 });

test('recent events keep the newest within the count bound', () => {
  const recent = new RecentEvents(3, 1_000);
  recent.remember([row(1, 1), row(2, 1)]);
  recent.remember([row(3, 1), row(4, 1)]);
  assert.deepEqual([1, 2, 3, 4].map((id) => recent.get(String(id)) !== undefined), [false, true, true, true]);
});

test('recent events drop the oldest once their payloads pass the size bound', () => {
  const recent = new RecentEvents(100, 1_000);
  recent.remember([row(1, 400), row(2, 400)]);
  recent.remember([row(3, 400)]);
  assert.equal(recent.get('1'), undefined);
  assert.ok(recent.get('2') && recent.get('3'));
  assert.equal(recent.payloadChars, 800);
  // Remembering an event again replaces it without counting it twice.
  recent.remember([row(3, 400)]);
  assert.equal(recent.payloadChars, 800);
  // One event over the bound on its own is not kept.
  recent.remember([row(4, 2_000)]);
  assert.equal(recent.get('4'), undefined);
  assert.equal(recent.payloadChars, 0);
});
