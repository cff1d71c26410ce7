/**
 * Contract cases for the batch operations a write-behind counter relies on: a batch of
 * events deduplicated and counted in one call, pending counters bumped (or put back) in
 * one call, and those counters drained atomically with `zpopmax`, losing or doubling
 * nothing under concurrent writers and drainers.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractContext } from './contract.case.ts';
import type { ScoredMember } from './interface.ts';

export function batchCases(ctx: ContractContext): void {
  const { it } = ctx;

  it('countFirstSeen counts an event once while its marker lives, per member, and reports each', async () => {
    const { cache } = ctx;
    await cache.set('seen:b', 'earlier');
    const counted = await cache.countFirstSeen(
      'zs:counts',
      [
        { markerKey: 'seen:a', member: 'v1' },
        { markerKey: 'seen:b', member: 'v1' },
        { markerKey: 'seen:c', member: 'v2' },
        { markerKey: 'seen:a', member: 'v1' },
        { markerKey: 'seen:d', member: 'v1' },
      ],
      { ttlMs: 10_000 },
    );
    assert.deepEqual(counted, [true, false, true, false, true]);
    assert.deepEqual(await cache.zrevrange('zs:counts', 0, -1), [{ member: 'v1', score: 2 }, { member: 'v2', score: 1 }]);
    assert.deepEqual(await cache.getMany(['seen:a', 'seen:b']), ['1', 'earlier']);
    assert.deepEqual(await cache.countFirstSeen('zs:counts', [], { ttlMs: 10_000 }), []);
    assert.deepEqual(await cache.countFirstSeen('zs:none', [{ markerKey: 'seen:a', member: 'v9' }], { ttlMs: 10_000 }), [false]);
    assert.equal(await cache.zcard('zs:none'), 0, 'a batch counting nothing leaves no set behind');
  });

  it('countFirstSeen markers expire after ttlMs, and the event counts again', async () => {
    const { cache } = ctx;
    const once = () => cache.countFirstSeen('zs:ttl', [{ markerKey: 'seen:ttl', member: 'v' }], { ttlMs: 50 });
    assert.deepEqual(await once(), [true]);
    assert.deepEqual(await once(), [false]);
    await sleep(80);
    assert.deepEqual(await once(), [true]);
    assert.equal(await cache.zscore('zs:ttl', 'v'), 2);
    await assert.rejects(cache.countFirstSeen('zs:ttl', [{ markerKey: 'seen:bad', member: 'v' }], { ttlMs: 0 }), RangeError);
  });

  it('countFirstSeen from concurrent batches counts each marker exactly once', async () => {
    const { cache } = ctx;
    const batch = Array.from({ length: 20 }, (_, i) => ({ markerKey: `seen:race:${i}`, member: `v${i % 3}` }));
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.countFirstSeen('zs:race', batch, { ttlMs: 10_000 })));
    for (let i = 0; i < batch.length; i++) assert.equal(results.filter((r) => r[i]).length, 1, `marker ${i}`);
    assert.deepEqual(await cache.zrevrange('zs:race', 0, -1), [{ member: 'v1', score: 7 }, { member: 'v0', score: 7 }, { member: 'v2', score: 6 }]);
  });

  it('zincrbyMany adds to several members, repeated ones twice, and returns the new scores', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:many', [{ member: 'a', score: 10 }]);
    assert.deepEqual(
      await cache.zincrbyMany('zs:many', [
        { member: 'a', score: 1 },
        { member: 'b', score: 2 },
        { member: 'a', score: 3 },
      ]),
      [11, 2, 14],
    );
    assert.deepEqual(await cache.zrevrange('zs:many', 0, -1), [{ member: 'a', score: 14 }, { member: 'b', score: 2 }]);
    assert.deepEqual(await cache.zincrbyMany('zs:many', []), []);
    await assert.rejects(cache.zincrbyMany('zs:many', [{ member: 'a', score: NaN }]), RangeError);
  });

  it('zpopmax removes and returns the highest members, deleting the emptied set', async () => {
    const { cache } = ctx;
    await cache.zadd('zs:pop', [{ member: 'a', score: 1 }, { member: 'b', score: 3 }, { member: 'c', score: 2 }, { member: 'd', score: 3 }]);
    assert.deepEqual(await cache.zpopmax('zs:pop', 2), [{ member: 'd', score: 3 }, { member: 'b', score: 3 }]);
    assert.deepEqual(await cache.zpopmax('zs:pop', 10), [{ member: 'c', score: 2 }, { member: 'a', score: 1 }]);
    assert.equal(await cache.delete('zs:pop'), 0, 'the emptied set is gone');
    assert.deepEqual(await cache.zpopmax('zs:nokey', 5), []);
    await assert.rejects(cache.zpopmax('zs:pop', 0), RangeError);
  });

  it('draining with zpopmax while others increment loses and doubles no count', async () => {
    const { cache } = ctx;
    const drained = new Map<string, number>();
    const drain = async () => {
      for (const { member, score } of await cache.zpopmax('zs:pending', 3)) drained.set(member, (drained.get(member) ?? 0) + score);
    };
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      writes.push(cache.zincrbyMany('zs:pending', Array.from({ length: 5 }, (_, i) => ({ member: `v${i}`, score: 1 }))));
      if (round % 3 === 0) writes.push(drain(), drain());
    }
    await Promise.all(writes);
    let rest: ScoredMember[];
    do {
      rest = await cache.zpopmax('zs:pending', 2);
      for (const { member, score } of rest) drained.set(member, (drained.get(member) ?? 0) + score);
    } while (rest.length > 0);
    assert.deepEqual([...drained].sort(), Array.from({ length: 5 }, (_, i) => [`v${i}`, 20]));
  });
}
