import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, send, TEST_ENV, type TestDevice } from './core-helpers.ts';

forEachEngineSet('chat sync, acks and reads over HTTP', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  const direct = async (a: TestDevice, accountId: string) =>
    json(await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(a.token), payload: { type: 'direct', accountId } })).id as string;
  const ack = (device: TestDevice, conversationId: string, seq: number) =>
    t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/ack`, headers: bearer(device.token), payload: { seq } });

  async function syncAll(device: TestDevice, limit: number): Promise<{ pages: number; messages: Array<{ conversationId: string; seq: number }> }> {
    const messages: Array<{ conversationId: string; seq: number }> = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/sync?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(device.token) });
      assert.equal(res.statusCode, 200, res.body);
      const page = json(res);
      pages++;
      messages.push(...page.messages);
      cursor = page.cursor;
      if (!page.hasMore) return { pages, messages };
    }
  }

  test('sync pages everything after the acked cursors across conversations, in seq order per conversation', async () => {
    const me = await member(t);
    const peers = await Promise.all([1, 2].map(() => member(t)));
    const conversations = await Promise.all(peers.map((p) => direct(p.device, me.account.accountId)));
    for (let i = 0; i < 5; i++) for (const [k, c] of conversations.entries()) await send(t, peers[k]!.device, c, `m${i}`);
    const { pages, messages } = await syncAll(me.device, 3);
    assert.ok(pages >= 4);
    for (const c of conversations) assert.deepEqual(messages.filter((m) => m.conversationId === c).map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.equal(messages.length, 10);

    // After acking part of one conversation, sync resumes from the cursor.
    const acked = await ack(me.device, conversations[0]!, 3);
    assert.equal(json(acked).ackedSeq, 3);
    const after = await syncAll(me.device, 100);
    assert.deepEqual(after.messages.filter((m) => m.conversationId === conversations[0]).map((m) => m.seq), [4, 5]);
    assert.equal(after.messages.filter((m) => m.conversationId === conversations[1]).length, 5);
  });

  test('each device has its own cursor, acks never move backwards and clamp to the log end', async () => {
    const me = await member(t);
    const laptop = await addDevice(t, me.account, me.device);
    const peer = await member(t);
    const c = await direct(peer.device, me.account.accountId);
    for (let i = 0; i < 3; i++) await send(t, peer.device, c, `m${i}`);
    assert.equal(json(await ack(me.device, c, 2)).ackedSeq, 2);
    assert.equal(json(await ack(me.device, c, 1)).ackedSeq, 2);
    assert.equal(json(await ack(me.device, c, 99)).ackedSeq, 3);
    assert.equal((await syncAll(me.device, 50)).messages.length, 0);
    assert.equal((await syncAll(laptop, 50)).messages.length, 3);
  });

  test('concurrent acks of one device settle on the largest', async () => {
    const me = await member(t);
    const peer = await member(t);
    const c = await direct(peer.device, me.account.accountId);
    for (let i = 0; i < 10; i++) await send(t, peer.device, c, `m${i}`);
    const results = await Promise.all([3, 9, 1, 7, 10, 2].map((seq) => ack(me.device, c, seq)));
    assert.ok(results.every((r) => r.statusCode === 200));
    assert.equal(json(await ack(me.device, c, 1)).ackedSeq, 10);
  });

  test('acks emit chat.acked and reads emit chat.read for the sender side', async () => {
    const me = await member(t);
    const peer = await member(t);
    const c = await direct(peer.device, me.account.accountId);
    await send(t, peer.device, c, 'hi');
    const seen: Array<{ type: string; payload: any }> = [];
    const consumer = await t.platform.bus.consume({
      group: `test-receipts-${c}`,
      subjects: ['chat.acked', 'chat.read'],
      handler: (deliveries) => {
        for (const d of deliveries) {
          seen.push({ type: d.event.type, payload: d.event.payload });
          d.ack();
        }
      },
    });
    try {
      await ack(me.device, c, 1);
      const read = await t.app.inject({ method: 'POST', url: `/v1/conversations/${c}/read`, headers: bearer(me.device.token), payload: { seq: 1 } });
      assert.equal(json(read).readSeq, 1);
      await waitFor('the acked and read events', () => seen.some((e) => e.type === 'chat.acked' && e.payload.acks.some((a: { conversationId: string }) => a.conversationId === c)) && seen.some((e) => e.type === 'chat.read'));
      const acked = seen.find((e) => e.type === 'chat.acked')!.payload.acks[0];
      assert.deepEqual({ ...acked, at: 0 }, { accountId: me.account.accountId, deviceId: me.device.deviceId, conversationId: c, seq: 1, at: 0 });
      const readEvent = seen.find((e) => e.type === 'chat.read')!.payload.reads[0];
      assert.equal(readEvent.seq, 1);
      assert.equal(readEvent.accountId, me.account.accountId);
    } finally {
      await consumer.stop();
    }
  });

  test('a sync cursor is bound to its device and cannot be forged', async () => {
    const me = await member(t);
    const other = await member(t);
    const page = json(await t.app.inject({ method: 'GET', url: '/v1/sync', headers: bearer(me.device.token) }));
    const stolen = await t.app.inject({ method: 'GET', url: `/v1/sync?cursor=${page.cursor}`, headers: bearer(other.device.token) });
    assert.equal(stolen.statusCode, 400);
    assert.equal(json(stolen).error.code, 'invalid_cursor');
    const forged = await t.app.inject({ method: 'GET', url: '/v1/sync?cursor=xyz', headers: bearer(me.device.token) });
    assert.equal(forged.statusCode, 400);
    const unknown = await ack(me.device, '123456789', 1);
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'conversation_not_found');
    const zero = await ack(me.device, '123456789', 0);
    assert.equal(zero.statusCode, 400);
  });
});
