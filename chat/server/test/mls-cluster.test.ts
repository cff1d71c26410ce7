import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, skipUnlessReachable, startTestCluster, type TestCluster } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { member, TEST_ENV } from './core-helpers.ts';
import { createConversation, MlsDevice } from './mls-helpers.ts';

const missing = (await Promise.all((['postgres', 'redis', 'nats'] as const).map((e) => skipUnlessReachable(e)))).find(Boolean) ?? false;

// The embedded engines are one process; the commit gate's per-node state cache is only put to the test by two nodes.
describe('MLS commit gate across two API nodes (postgres + redis + nats)', { skip: missing }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster('distributed', 2, TEST_ENV, { features: [chatFeature] });
  });
  after(() => cluster.close());

  test('commits alternate between nodes, each node admitting exactly the commit for the epoch the group is at', async () => {
    const [one, two] = [cluster.nodes[0]!, cluster.nodes[1]!];
    const a = new MlsDevice(one, (await member(one, 'mca')).device);
    const b = new MlsDevice(one, (await member(one, 'mcb')).device);
    await b.upload(1);
    const conversationId = await createConversation(one, a.device, [b.device.accountId], 'direct');
    await a.createGroup(conversationId);
    // Node two reads the group (caching epoch 0) before node one moves it on.
    a.t = two;
    assert.equal(json(await a.get(`/v1/conversations/${conversationId}/mls/group`)).epoch, 0);
    a.t = one;
    const before = a.groups.get(conversationId)!;
    const added = await a.commit(conversationId, { add: await a.claimAll([b.device.accountId]) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    b.t = two;
    await b.joinFromInbox(conversationId);

    // Another commit for epoch 0, at node two, whose cache still holds epoch 0: refused.
    const after = a.groups.get(conversationId)!;
    a.groups.set(conversationId, before);
    a.t = two;
    const stale = await a.commit(conversationId);
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.error.code, 'stale_epoch');
    a.groups.set(conversationId, after);
    // Then the two devices take turns, each through the other node than the last commit.
    for (let i = 0; i < 4; i++) {
      const [committer, other] = i % 2 === 0 ? [b, a] : [a, b];
      committer.t = i % 2 === 0 ? one : two;
      const committed = await committer.commit(conversationId);
      assert.equal(committed.status, 201, JSON.stringify(committed.body));
      assert.equal(committed.body.epoch, 2 + i);
      await other.process(conversationId, committed.commit);
    }
    for (const node of [one, two]) {
      a.t = node;
      const view = json(await a.get(`/v1/conversations/${conversationId}/mls/group`));
      assert.equal(view.epoch, 5);
      assert.equal(view.treeHash, Buffer.from(a.groups.get(conversationId)!.groupContext.treeHash).toString('base64url'));
    }
  });
});
