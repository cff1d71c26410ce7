import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloseCode } from '@twin/chat-protocol';
import { skipUnlessReachable, startTestCluster, type TestCluster, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { bearer, member, TEST_ENV } from './core-helpers.ts';
import { assertContiguous, createConversation, sendMessages, TestClient } from './realtime-helpers.ts';

const missing = (await Promise.all((['postgres', 'redis', 'nats'] as const).map((e) => skipUnlessReachable(e)))).find(Boolean) ?? false;

describe('chat real-time across two gateway nodes (postgres + redis + nats)', { skip: missing }, () => {
  let cluster: TestCluster;
  let urls: string[];
  let one: TestPlatform;
  before(async () => {
    cluster = await startTestCluster('distributed', 2, { ...TEST_ENV, CHAT_TYPING_TTL: '300ms' }, { features: [chatFeature] });
    urls = [];
    for (const node of cluster.nodes) {
      await node.app.listen({ port: 0, host: '127.0.0.1' });
      const address = node.app.server.address();
      assert.ok(address && typeof address === 'object');
      urls.push(`ws://127.0.0.1:${address.port}/v1/chat/ws`);
    }
    one = cluster.nodes[0]!;
  });
  after(() => cluster.close());

  test('messages, receipts, typing and presence cross nodes; a device removed on one node is closed on the other', async () => {
    const alice = await member(one, 'alice');
    const bob = await member(one, 'bob');
    const conversationId = await createConversation(one, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(urls[0]!, alice.device.token);
    a.send({ type: 'presence-subscribe', accountIds: [bob.account.accountId] });
    await a.waitFor('bob offline', () => a.of('presence').length > 0);
    const b = await TestClient.connect(urls[1]!, bob.device.token);
    await a.waitFor('bob online, heard from the other node', () => a.of('presence').some((p) => p.online));

    const results = await sendMessages(a, conversationId, 30, 'x');
    await b.waitFor('30 on the other node', () => b.delivered(conversationId).length >= 30);
    assertContiguous(b.delivered(conversationId), results[0]!.seq, results.at(-1)!.seq);

    b.send({ type: 'ack', conversationId, seq: results.at(-1)!.seq });
    await a.waitFor('delivered receipt across nodes', () => a.of('receipt').some((r) => r.status === 'delivered' && r.seq === results.at(-1)!.seq));

    b.send({ type: 'typing', conversationId, active: true });
    await a.waitFor('typing across nodes', () => a.of('typing').some((f) => f.active && f.accountId === bob.account.accountId));

    const removed = await one.app.inject({ method: 'DELETE', url: `/v1/devices/${bob.device.deviceId}`, headers: bearer(bob.device.token) });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await b.waitClosed()).code, CloseCode.deviceRevoked);
    await a.waitFor('bob offline again', () => a.of('presence').filter((p) => !p.online).length >= 2);
    a.close();
  });
});
