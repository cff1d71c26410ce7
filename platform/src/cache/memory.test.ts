/**
 * The memory cache against the shared contract, plus what only it has: the expiry sweep,
 * shared state between several caches, and subscriptions ending with `close`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runContract } from './contract.case.ts';
import { createCache } from './index.ts';
import { MemoryCache, MemoryCacheState } from './memory.ts';

describe('memory cache contract', () => {
  // One state for every cache the contract opens: isolation must come from the prefix.
  const state = new MemoryCacheState();
  runContract({ create: async ({ keyPrefix }) => new MemoryCache({ keyPrefix, state }) });
});

describe('memory cache', () => {
  test('is not shared across nodes, and is what createCache picks without a Redis URL', async () => {
    const cache = createCache({ keyPrefix: 't:' });
    assert.ok(cache instanceof MemoryCache);
    assert.equal(cache.shared, false);
    await cache.close();
  });

  test('the sweep reclaims expired keys nobody reads again', async () => {
    const state = new MemoryCacheState();
    const cache = new MemoryCache({ state, sweepIntervalMs: 10 });
    await cache.set('typing:u1', '1', { ttlMs: 20 });
    await cache.takeToken('bucket', { capacity: 1, refillPerSecond: 100 });
    await cache.set('kept', '1');
    await sleep(80);
    assert.deepEqual([...state.entries.keys()], ['kept']);
    await cache.close();
  });

  test('a countFirstSeen marker answers every other command as the string 1 with its TTL', async () => {
    const cache = new MemoryCache({ keyPrefix: 'm:' });
    const count = (marker: string) => cache.countFirstSeen('counts', [{ markerKey: marker, member: 'v' }], { ttlMs: 60_000 });
    await count('seen:a');
    await count('seen:b');
    await count('seen:c');
    assert.equal(await cache.incr('seen:a'), 2);
    assert.deepEqual(await count('seen:a'), [false], 'the marker moved to an entry still blocks');
    assert.equal(await cache.expire('seen:b', 30), true);
    assert.equal(await cache.delete('seen:c'), 1);
    assert.deepEqual(await count('seen:c'), [true], 'counted again once deleted');
    await sleep(50);
    assert.equal(await cache.get('seen:b'), null, 'expired on its new TTL');
    assert.deepEqual(await count('seen:b'), [true]);
    await cache.set('seen:d', 'x');
    assert.deepEqual(await count('seen:d'), [false], 'a plain key blocks as for SET NX');
    assert.equal(await cache.zscore('counts', 'v'), 5);
    await cache.close();
  });

  test('a throwing subscriber neither reaches the publisher nor stops other subscribers', async () => {
    const errors: unknown[] = [];
    const cache = new MemoryCache({ onHandlerError: (error) => errors.push(error) });
    const received: string[] = [];
    await cache.subscribe('ch', () => {
      throw new Error('handler bug');
    });
    await cache.subscribe('ch', (m) => received.push(m));
    await cache.publish('ch', 'hello');
    await sleep(10);
    assert.deepEqual(received, ['hello']);
    assert.match(String(errors[0]), /handler bug/);
    await cache.close();
  });

  test('close ends its own subscriptions but leaves shared state to the others', async () => {
    const state = new MemoryCacheState();
    const closing = new MemoryCache({ state });
    const staying = new MemoryCache({ state });
    const received: string[] = [];
    await closing.subscribe('ch', (m) => received.push(`closing:${m}`));
    await staying.subscribe('ch', (m) => received.push(`staying:${m}`));
    await closing.set('k', 'v');
    await closing.close();
    await staying.publish('ch', 'after-close');
    await sleep(10);
    assert.deepEqual(received, ['staying:after-close']);
    assert.equal(await staying.get('k'), 'v');
    await staying.close();
  });

  test('a message published before unsubscribe is not delivered after it', async () => {
    const cache = new MemoryCache();
    const received: string[] = [];
    const stop = await cache.subscribe('ch', (m) => received.push(m));
    await cache.publish('ch', 'late');
    await stop();
    await sleep(10);
    assert.deepEqual(received, []);
    await cache.close();
  });
});
