import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.ts';

test('doubles the jitter ceiling per attempt up to the cap', () => {
  const backoff = new Backoff({ baseMs: 100, capMs: 1000, floorMs: 0, random: () => 0.999999 });
  assert.deepEqual(Array.from({ length: 6 }, () => backoff.next()), [99, 199, 399, 799, 999, 999]);
});

test('draws each delay uniformly below the ceiling, never under the floor', () => {
  const backoff = new Backoff({ baseMs: 100, capMs: 1000, floorMs: 50, random: () => 0 });
  assert.equal(backoff.next(), 50);
  const spread = new Backoff({ baseMs: 1000, capMs: 1000, floorMs: 0 });
  const delays = Array.from({ length: 200 }, () => spread.next());
  assert.ok(delays.every((d) => d >= 0 && d < 1000));
  assert.ok(new Set(delays).size > 50, 'jittered delays differ');
});

test('starts over after a reset', () => {
  const backoff = new Backoff({ baseMs: 100, floorMs: 0, random: () => 0.5 });
  backoff.next();
  backoff.next();
  assert.equal(backoff.attempt, 2);
  backoff.reset();
  assert.equal(backoff.next(), 50);
});
