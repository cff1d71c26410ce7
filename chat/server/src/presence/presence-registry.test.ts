import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { MemoryCache, MemoryCacheState } from '@twin/platform/cache';
import { waitFor } from '@twin/platform/testing';
import { PresenceRegistry, type AccountPresence } from './presence-registry.ts';

const device = (accountId: string, deviceId: string) => ({ accountId: accountId as AccountId, deviceId: deviceId as DeviceId });
const fail = (error: unknown) => assert.fail(String(error));

/** Two gateway nodes sharing one cache, as two processes share Redis. */
async function twoNodes() {
  const state = new MemoryCacheState();
  const heard: AccountPresence[] = [];
  const a = new PresenceRegistry({ cache: new MemoryCache({ state }), nodeId: 1, ttlMs: 60_000, onError: fail });
  const b = new PresenceRegistry({ cache: new MemoryCache({ state }), nodeId: 2, ttlMs: 60_000, onError: fail });
  await a.start(() => undefined);
  await b.start((p) => heard.push(p));
  return { a, b, heard };
}

test('an account is online while any of its devices has a socket on any node, and last seen when the last one closes', async () => {
  const { a, b, heard } = await twoNodes();
  await a.connected(device('1', '11'), 's1');
  await b.connected(device('1', '12'), 's1');
  assert.deepEqual(await b.presenceOf(['1' as AccountId]), [{ accountId: '1', online: true }]);
  assert.deepEqual([...(await b.onlineDevices(['1' as AccountId])).get('1' as AccountId)!].sort(), ['11', '12']);
  await a.disconnected(device('1', '11'), 's1');
  assert.equal((await a.presenceOf(['1' as AccountId]))[0]!.online, true);
  await b.disconnected(device('1', '12'), 's1');
  const [after] = await a.presenceOf(['1' as AccountId]);
  assert.equal(after!.online, false);
  assert.ok(after!.lastSeenAt! > 0);
  await waitFor('online and offline heard', () => heard.length >= 2);
  assert.deepEqual(heard.map((p) => p.online), [true, false]);
  await a.stop();
  await b.stop();
});

test('hiding last-seen keeps online status but drops the time, in queries and in change messages', async () => {
  const { a, b, heard } = await twoNodes();
  await a.setLastSeenVisibility('2' as AccountId, 'nobody');
  await a.connected(device('2', '21'), 's1');
  await a.disconnected(device('2', '21'), 's1');
  assert.deepEqual(await b.presenceOf(['2' as AccountId]), [{ accountId: '2', online: false }]);
  await waitFor('offline heard', () => heard.some((p) => !p.online));
  assert.equal(heard.find((p) => !p.online)!.lastSeenAt, undefined);
  await a.setLastSeenVisibility('2' as AccountId, 'everyone');
  assert.equal(await a.lastSeenVisibility('2' as AccountId), 'everyone');
  assert.ok((await b.presenceOf(['2' as AccountId]))[0]!.lastSeenAt! > 0);
  await a.stop();
  await b.stop();
});

test('the sockets of a node that stopped heartbeating count as offline', async () => {
  const { a, b } = await twoNodes();
  await a.connected(device('3', '31'), 's1');
  assert.equal((await b.presenceOf(['3' as AccountId]))[0]!.online, true);
  await a.stop(); // its heartbeat key is gone, as it would be after the TTL of a crashed node
  assert.equal((await b.presenceOf(['3' as AccountId]))[0]!.online, false);
  assert.equal((await b.onlineDevices(['3' as AccountId])).get('3' as AccountId)!.size, 0);
  await b.stop();
});
