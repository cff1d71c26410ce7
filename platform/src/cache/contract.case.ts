/**
 * The behaviour every cache implementation must share, run against memory and Redis
 * alike: strings with TTLs, counters, token buckets, sorted sets, pub/sub and key-prefix
 * isolation. Sorted-set, pub/sub and batch cases live in their own `contract-*.case.ts` files.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cache } from './interface.ts';
import { batchCases } from './contract-batches.case.ts';
import { pubSubCases } from './contract-pubsub.case.ts';
import { sortedSetCases } from './contract-sorted-sets.case.ts';

export interface CacheContractOptions {
  /**
   * Opens a cache whose keys and channels carry `keyPrefix` (after any prefix of the
   * test run). Caches opened with different prefixes must share one backing store, so
   * isolation is the prefix's doing, not separate stores'.
   */
  create: (options: { keyPrefix: string }) => Promise<Cache>;
  skip?: { reason: string; tests: string[] }[];
}

/** What the case files get: the suite's cache, a way to open more, and `it` honouring skips. */
export interface ContractContext {
  readonly cache: Cache;
  open(keyPrefix: string): Promise<Cache>;
  it(name: string, fn: () => Promise<void>): void;
}

export function runContract({ create, skip = [] }: CacheContractOptions): void {
  const opened: Cache[] = [];
  let cache: Cache;
  const skipped = (name: string) => skip.find((s) => s.tests.includes(name))?.reason ?? false;
  const ctx: ContractContext = {
    get cache() {
      return cache;
    },
    async open(keyPrefix) {
      const extra = await create({ keyPrefix });
      opened.push(extra);
      return extra;
    },
    it: (name, fn) => test(name, { skip: skipped(name) }, fn),
  };
  const { it } = ctx;

  before(async () => {
    cache = await ctx.open('main:');
  });
  after(() => Promise.all(opened.map((c) => c.close())));

  it('answers ping', async () => {
    await cache.ping();
  });

  it('get returns what set stored and null for a missing key', async () => {
    assert.equal(await cache.set('str:a', 'alpha'), true);
    assert.equal(await cache.get('str:a'), 'alpha');
    assert.equal(await cache.get('str:missing'), null);
    await cache.set('str:a', '');
    assert.equal(await cache.get('str:a'), '', 'an empty string is a value, not absence');
  });

  it('a key set with ttlMs disappears after it', async () => {
    await cache.set('ttl:a', 'v', { ttlMs: 50 });
    assert.equal(await cache.get('ttl:a'), 'v');
    await sleep(120);
    assert.equal(await cache.get('ttl:a'), null);
    assert.deepEqual(await cache.getMany(['ttl:a']), [null]);
  });

  it('set without ttlMs replaces the value and clears the old TTL', async () => {
    await cache.set('ttl:b', 'short', { ttlMs: 50 });
    await cache.set('ttl:b', 'kept');
    await sleep(120);
    assert.equal(await cache.get('ttl:b'), 'kept');
  });

  it('onlyIfAbsent writes only when the key does not exist', async () => {
    assert.equal(await cache.set('nx:a', 'first', { onlyIfAbsent: true, ttlMs: 60 }), true);
    assert.equal(await cache.set('nx:a', 'second', { onlyIfAbsent: true }), false);
    assert.equal(await cache.get('nx:a'), 'first');
    await sleep(130);
    assert.equal(await cache.set('nx:a', 'third', { onlyIfAbsent: true }), true, 'an expired key counts as absent');
    assert.equal(await cache.get('nx:a'), 'third');
  });

  it('onlyIfAbsent lets exactly one of many concurrent writers win', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => cache.set('nx:race', `w${i}`, { onlyIfAbsent: true })));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('getMany returns values in key order with null for missing and non-string keys', async () => {
    await cache.set('many:a', '1');
    await cache.set('many:c', '3');
    await cache.zadd('many:z', [{ member: 'm', score: 1 }]);
    assert.deepEqual(await cache.getMany(['many:c', 'many:b', 'many:a', 'many:z', 'many:a']), ['3', null, '1', null, '1']);
    assert.deepEqual(await cache.getMany([]), []);
  });

  it('delete removes keys of any kind and counts those that existed', async () => {
    await cache.set('del:a', 'x');
    await cache.zadd('del:z', [{ member: 'm', score: 1 }]);
    assert.equal(await cache.delete('del:a', 'del:z', 'del:missing'), 2);
    assert.equal(await cache.get('del:a'), null);
    assert.equal(await cache.zcard('del:z'), 0);
    assert.equal(await cache.delete(), 0);
  });

  it('expire sets a TTL on an existing key and reports a missing one', async () => {
    await cache.set('exp:a', 'v');
    await cache.zadd('exp:z', [{ member: 'm', score: 1 }]);
    assert.equal(await cache.expire('exp:a', 50), true);
    assert.equal(await cache.expire('exp:z', 50), true);
    assert.equal(await cache.expire('exp:missing', 50), false);
    await sleep(120);
    assert.equal(await cache.get('exp:a'), null);
    assert.equal(await cache.zcard('exp:z'), 0);
  });

  it('using a key as the wrong kind rejects with WRONGTYPE', async () => {
    await cache.set('kind:s', 'text');
    await cache.zadd('kind:z', [{ member: 'm', score: 1 }]);
    await assert.rejects(cache.zadd('kind:s', [{ member: 'm', score: 1 }]), /WRONGTYPE/);
    await assert.rejects(cache.get('kind:z'), /WRONGTYPE/);
    await assert.rejects(cache.incr('kind:z'), /WRONGTYPE/);
  });

  it('incr starts from 0, adds the step and returns the new value', async () => {
    assert.equal(await cache.incr('cnt:a'), 1);
    assert.equal(await cache.incr('cnt:a', 10), 11);
    assert.equal(await cache.incr('cnt:a', -3), 8);
    assert.equal(await cache.get('cnt:a'), '8');
  });

  it('incr is atomic: 200 concurrent increments count 200', async () => {
    await Promise.all(Array.from({ length: 200 }, () => cache.incr('cnt:concurrent')));
    assert.equal(await cache.get('cnt:concurrent'), '200');
  });

  it('incr with ttlMs sets the TTL when it creates the key and keeps it after', async () => {
    assert.equal(await cache.incr('cnt:window', 1, { ttlMs: 80 }), 1);
    assert.equal(await cache.incr('cnt:window', 1, { ttlMs: 10_000 }), 2, 'a later TTL does not extend the window');
    await sleep(150);
    assert.equal(await cache.get('cnt:window'), null);
    assert.equal(await cache.incr('cnt:window', 1, { ttlMs: 80 }), 1, 'a new window starts from 0');
  });

  it('incr with ttlMs leaves an existing key without a TTL untouched', async () => {
    await cache.set('cnt:forever', '5');
    assert.equal(await cache.incr('cnt:forever', 1, { ttlMs: 50 }), 6);
    await sleep(120);
    assert.equal(await cache.get('cnt:forever'), '6');
  });

  it('incr on a value that is not an integer rejects', async () => {
    await cache.set('cnt:text', 'abc');
    await assert.rejects(cache.incr('cnt:text'), /not an integer/);
    await assert.rejects(cache.incr('cnt:a', 1.5), RangeError);
  });

  it('takeToken allows up to capacity, then denies with retryAfterMs > 0', async () => {
    const bucket = { capacity: 3, refillPerSecond: 1 };
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await cache.takeToken('tb:basic', bucket));
    assert.deepEqual(takes.map((t) => [t.allowed, t.remaining]), [[true, 2], [true, 1], [true, 0], [false, 0]]);
    const denied = takes[3]!;
    assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 1000, `retryAfterMs ${denied.retryAfterMs}`);
    assert.ok(denied.resetMs > 2000 && denied.resetMs <= 3000, `resetMs ${denied.resetMs} is time to refill 3 tokens`);
    assert.equal(takes[0]!.retryAfterMs, 0);
    assert.ok(takes[0]!.resetMs > 0 && takes[0]!.resetMs <= 1000, `resetMs ${takes[0]!.resetMs} is time to refill 1 token`);
  });

  it('takeToken respects capacity under 50 concurrent takes', async () => {
    const bucket = { capacity: 10, refillPerSecond: 0.001 };
    const takes = await Promise.all(Array.from({ length: 50 }, () => cache.takeToken('tb:concurrent', bucket)));
    assert.equal(takes.filter((t) => t.allowed).length, 10);
    assert.deepEqual(takes.filter((t) => t.allowed).map((t) => t.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takeToken refills over time', async () => {
    // One token per 250 ms: three round trips on a busy machine stay well inside one refill.
    const bucket = { capacity: 2, refillPerSecond: 4 };
    await cache.takeToken('tb:refill', bucket);
    await cache.takeToken('tb:refill', bucket);
    const empty = await cache.takeToken('tb:refill', bucket);
    assert.equal(empty.allowed, false);
    assert.ok(empty.retryAfterMs > 0 && empty.retryAfterMs <= 250, `retryAfterMs ${empty.retryAfterMs}`);
    await sleep(empty.retryAfterMs + 20);
    assert.equal((await cache.takeToken('tb:refill', bucket)).allowed, true);
  });

  it('takeToken with cost > 1 takes several tokens and denies without taking any', async () => {
    const bucket = { capacity: 5, refillPerSecond: 0.001 };
    assert.deepEqual(
      pick(await cache.takeToken('tb:cost', { ...bucket, cost: 3 })),
      { allowed: true, remaining: 2 },
    );
    const denied = await cache.takeToken('tb:cost', { ...bucket, cost: 3 });
    assert.deepEqual(pick(denied), { allowed: false, remaining: 2 });
    assert.ok(denied.retryAfterMs > 0);
    assert.deepEqual(pick(await cache.takeToken('tb:cost', { ...bucket, cost: 2 })), { allowed: true, remaining: 0 });
  });

  it('an idle bucket expires once it would be full again', async () => {
    const take = await cache.takeToken('tb:idle', { capacity: 1, refillPerSecond: 20 });
    assert.ok(take.resetMs <= 50);
    await sleep(take.resetMs + 60);
    assert.equal(await cache.delete('tb:idle'), 0, 'the bucket key is gone');
  });

  it('takeToken rejects a bucket that can never pay its cost', async () => {
    await assert.rejects(cache.takeToken('tb:bad', { capacity: 2, refillPerSecond: 1, cost: 3 }), RangeError);
    await assert.rejects(cache.takeToken('tb:bad', { capacity: 2, refillPerSecond: 0 }), RangeError);
  });

  it('caches with different key prefixes do not see each other', async () => {
    const a = await ctx.open('iso-a:');
    const b = await ctx.open('iso-b:');
    await a.set('k', 'from-a');
    await b.set('k', 'from-b');
    assert.deepEqual([await a.get('k'), await b.get('k')], ['from-a', 'from-b']);
    assert.deepEqual(await a.getMany(['k']), ['from-a']);
    await a.incr('n', 5, { ttlMs: 10_000 });
    assert.equal(await b.incr('n', 1, { ttlMs: 10_000 }), 1);
    await a.zadd('z', [{ member: 'm', score: 1 }]);
    assert.equal(await b.zcard('z'), 0);
    assert.equal((await a.takeToken('bucket', { capacity: 1, refillPerSecond: 0.001 })).allowed, true);
    assert.equal((await b.takeToken('bucket', { capacity: 1, refillPerSecond: 0.001 })).allowed, true);
    assert.equal(await b.delete('k'), 1);
    assert.equal(await a.get('k'), 'from-a');
    assert.equal(await cache.get('k'), null, 'the suite cache has its own prefix too');
  });

  sortedSetCases(ctx);
  pubSubCases(ctx);
  batchCases(ctx);
}

function pick(take: { allowed: boolean; remaining: number }) {
  return { allowed: take.allowed, remaining: take.remaining };
}
