/**
 * Contract cases for pub/sub, the cross-node fan-out: every subscriber on every cache
 * sharing the store gets each message, delivery is never synchronous inside publish,
 * unsubscribe stops delivery, and channels are isolated by key prefix like keys.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContractContext } from './contract.case.ts';

/** Polls until `condition` holds; a generous bound only so a lost message fails the test. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function pubSubCases(ctx: ContractContext): void {
  const { it } = ctx;

  it('publish reaches every subscriber on every node, in order, and stops after unsubscribe', async () => {
    const nodeA = await ctx.open('ps:');
    const nodeB = await ctx.open('ps:');
    const got = { a1: [] as string[], a2: [] as string[], b: [] as string[] };
    const stopA1 = await nodeA.subscribe('room', (m) => got.a1.push(m));
    await nodeA.subscribe('room', (m) => got.a2.push(m));
    await nodeB.subscribe('room', (m) => got.b.push(m));

    await nodeB.publish('room', 'one');
    await nodeB.publish('room', 'two');
    await eventually(() => got.a1.length === 2 && got.a2.length === 2 && got.b.length === 2, 'first messages');
    assert.deepEqual(got, { a1: ['one', 'two'], a2: ['one', 'two'], b: ['one', 'two'] });

    await stopA1();
    await nodeA.publish('room', 'three');
    // a2 shares a1's node and connection: once a2 has 'three', a1 would have it too.
    await eventually(() => got.a2.length === 3 && got.b.length === 3, 'message after unsubscribe');
    assert.deepEqual(got.a1, ['one', 'two']);
    await stopA1(); // a second call is harmless
  });

  it('publish never runs handlers synchronously inside the call', async () => {
    const node = await ctx.open('ps-async:');
    const received: string[] = [];
    await node.subscribe('tick', (m) => received.push(m));
    const publishing = node.publish('tick', 'now');
    assert.deepEqual(received, []);
    await publishing;
    await eventually(() => received.length === 1, 'the message');
  });

  it('a channel can be subscribed again after its last handler left', async () => {
    const node = await ctx.open('ps-again:');
    const first: string[] = [];
    const stop = await node.subscribe('ch', (m) => first.push(m));
    await stop();
    const second: string[] = [];
    await node.subscribe('ch', (m) => second.push(m));
    await node.publish('ch', 'hello');
    await eventually(() => second.length === 1, 'the message');
    assert.deepEqual(first, []);
  });

  it('channels are isolated by key prefix', async () => {
    const tenantA = await ctx.open('ps-tenant-a:');
    const tenantB = await ctx.open('ps-tenant-b:');
    const gotA: string[] = [];
    const gotB: string[] = [];
    await tenantA.subscribe('news', (m) => gotA.push(m));
    await tenantB.subscribe('news', (m) => gotB.push(m));
    await tenantA.publish('news', 'for-a');
    await tenantB.publish('news', 'for-b');
    // Redis sends 'for-a' to any wrongly matching subscriber before 'for-b'.
    await eventually(() => gotA.length >= 1 && gotB.length >= 1, 'both messages');
    assert.deepEqual([gotA, gotB], [['for-a'], ['for-b']]);
  });
}
