/**
 * The Redis cache against the shared contract on the real server, plus what only Redis
 * shows: the key layout under the prefix (script keys included), one bucket drawn by two
 * nodes, and failures reported instead of thrown into ioredis. Cleans up its keys by SCAN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { skipUnlessReachable, testEngines, uniqueTestName } from '../testing/engines.ts';
import { runContract } from './contract.case.ts';
import { createCache } from './index.ts';
import { RedisCache } from './redis.ts';

// Every key and channel of this run starts with this, so parallel runs never collide.
const runPrefix = `${uniqueTestName('cache')}:`;

describe('redis cache', { skip: await skipUnlessReachable('redis') }, () => {
  // A raw client without a prefix, to look at what really lands in Redis and to clean up.
  let raw: Redis;
  const opened: RedisCache[] = [];
  const open = (keyPrefix: string, options: Partial<ConstructorParameters<typeof RedisCache>[0]> = {}) => {
    const cache = new RedisCache({ url: testEngines.redis, keyPrefix: runPrefix + keyPrefix, ...options });
    opened.push(cache);
    return cache;
  };

  before(() => {
    raw = new Redis(testEngines.redis);
  });
  after(async () => {
    await Promise.all(opened.map((c) => c.close()));
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 500);
      if (keys.length > 0) await raw.del(keys);
      cursor = next;
    } while (cursor !== '0');
    await raw.quit();
  });

  describe('contract', () => {
    runContract({ create: async ({ keyPrefix }) => open(keyPrefix) });
  });

  test('is shared across nodes, and is what createCache picks with a Redis URL', async () => {
    const cache = createCache({ redisUrl: testEngines.redis, keyPrefix: `${runPrefix}factory:` });
    assert.ok(cache instanceof RedisCache);
    assert.equal(cache.shared, true);
    await cache.ping();
    await cache.close();
  });

  test('every key, including script keys, lands under the key prefix', async () => {
    const cache = open('layout:');
    await cache.set('plain', 'v');
    await cache.incr('window', 1, { ttlMs: 10_000 });
    const tookAt = performance.now();
    await cache.takeToken('bucket', { capacity: 2, refillPerSecond: 1 });
    await cache.zadd('trending', [{ member: 'm', score: 1 }]);
    const keys = await raw.keys(`${runPrefix}layout:*`);
    assert.deepEqual(keys.sort(), ['bucket', 'plain', 'trending', 'window'].map((k) => `${runPrefix}layout:${k}`));
    const ttl = await raw.pttl(`${runPrefix}layout:bucket`);
    // Time since the take is subtracted so a loaded machine does not fail the bound.
    const elapsed = performance.now() - tookAt;
    assert.ok(ttl > 1000 - elapsed - 50 && ttl <= 1000, `the bucket expires when its one missing token is back, pttl ${ttl} after ${elapsed} ms`);
  });

  test('two nodes draw from one token bucket', async () => {
    const nodeA = open('nodes:');
    const nodeB = open('nodes:');
    const bucket = { capacity: 5, refillPerSecond: 0.001 };
    const takes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? nodeA : nodeB).takeToken('shared', bucket)));
    assert.equal(takes.filter((t) => t.allowed).length, 5);
  });

  test('a throwing subscriber reports to onError and does not stop other subscribers', async () => {
    const errors: string[] = [];
    const cache = open('throwing:', { onError: (error, context) => errors.push(`${context}: ${String(error)}`) });
    const received: string[] = [];
    await cache.subscribe('ch', () => {
      throw new Error('handler bug');
    });
    await cache.subscribe('ch', (m) => received.push(m));
    await cache.publish('ch', 'hello');
    for (let i = 0; i < 200 && received.length === 0; i++) await sleep(5);
    assert.deepEqual(received, ['hello']);
    assert.match(errors[0] ?? '', /subscriber on ch threw: Error: handler bug/);
  });

  test('ping rejects when Redis cannot be reached', async () => {
    const cache = new RedisCache({
      url: 'redis://127.0.0.1:1',
      onError: () => {},
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null },
    });
    await assert.rejects(cache.ping());
    await cache.close();
  });
});
