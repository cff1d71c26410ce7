import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from './group-commit.ts';

test('submissions of one turn share one flush and each gets its own result', async () => {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    batches.push([...items]);
    return items.map((n) => (n < 0 ? { status: 'rejected', reason: new Error(`bad ${n}`) } : { status: 'fulfilled', value: n * 10 }));
  });
  const results = await Promise.allSettled([commit.submit(1), commit.submit(-2), commit.submit(3)]);
  assert.deepEqual(batches, [[1, -2, 3]]);
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [10, 'bad -2', 30]);
});

test('work submitted during a flush waits for it and forms the next batch', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const commit = new GroupCommit<number, number>(async (items) => {
    batches.push([...items]);
    if (batches.length === 1) await gate;
    return items.map((n) => ({ status: 'fulfilled', value: n }));
  });
  const first = commit.submit(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [commit.submit(2), commit.submit(3)];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1]]);
  release();
  assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
  assert.deepEqual(batches, [[1], [2, 3]]);
});

test('a failing flush rejects its whole batch and the next batch still runs', async () => {
  let calls = 0;
  const commit = new GroupCommit<number, number>(async (items) => {
    calls++;
    if (calls === 1) throw new Error('engine down');
    return items.map((n) => ({ status: 'fulfilled', value: n }));
  });
  await assert.rejects(commit.submit(1), /engine down/);
  assert.equal(await commit.submit(2), 2);
});

test('batches are capped at the maximum size', async () => {
  const sizes: number[] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    sizes.push(items.length);
    return items.map((n) => ({ status: 'fulfilled', value: n }));
  }, 2);
  await Promise.all([1, 2, 3, 4, 5].map((n) => commit.submit(n)));
  assert.deepEqual(sizes, [2, 2, 1]);
  await commit.drain();
});

test('gathered work is flushed once the current callback is done, before the next turn', async () => {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    batches.push([...items]);
    return items.map((n) => ({ status: 'fulfilled', value: n }));
  });
  const nextTurn = new Promise<number>((resolve) => setImmediate(() => resolve(batches.length)));
  const gathered = [commit.submit(1, { gathered: true }), commit.submit(2, { gathered: true })];
  assert.equal(await nextTurn, 1, 'flushed before a setImmediate queued even earlier');
  assert.deepEqual(await Promise.all(gathered), [1, 2]);
  assert.deepEqual(batches, [[1, 2]]);
});

test('work of the turn joins a gathered flush that starts first', async () => {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    batches.push([...items]);
    return items.map((n) => ({ status: 'fulfilled', value: n }));
  });
  const results = await Promise.all([commit.submit(1), commit.submit(2, { gathered: true })]);
  assert.deepEqual(results, [1, 2]);
  await commit.drain();
  assert.deepEqual(batches, [[1, 2]]);
});
