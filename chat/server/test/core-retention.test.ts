import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { parseRetention } from '../src/retention/policy.ts';
import { RetentionSweeper } from '../src/retention/sweeper.ts';
import { addDevice, bearer, member, send, TEST_ENV, type TestDevice } from './core-helpers.ts';

forEachEngineSet('chat retention', (engines) => {
  const direct = async (t: TestPlatform, a: TestDevice, accountId: string) =>
    json(await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(a.token), payload: { type: 'direct', accountId } })).id as string;
  const ack = (t: TestPlatform, device: TestDevice, conversationId: string, seq: number) =>
    t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/ack`, headers: bearer(device.token), payload: { seq } });
  const storedSeqs = async (t: TestPlatform, conversationId: string) =>
    (await t.platform.sql.db.selectFrom('chat_message').select('seq').where('conversation_id', '=', conversationId).orderBy('seq').execute()).map((r: { seq: unknown }) => Number(r.seq));

  describe('until-delivered', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_RETENTION: 'until-delivered', CHAT_RETENTION_SWEEP_INTERVAL: '50ms' }, { features: [chatFeature] });
    });
    after(() => t.close());

    test('a message goes once every device of the other member acked it, and stays while one has not', async () => {
      const sender = await member(t);
      const receiver = await member(t);
      const receiverLaptop = await addDevice(t, receiver.account, receiver.device);
      const c = await direct(t, sender.device, receiver.account.accountId);
      for (let i = 0; i < 4; i++) await send(t, sender.device, c, `m${i}`);
      await ack(t, receiver.device, c, 4);
      await ack(t, receiverLaptop, c, 2);
      // The laptop acked up to 2: 1 and 2 go, 3 and 4 wait for it.
      await waitFor('1 and 2 to be swept', async () => (await storedSeqs(t, c))[0] === 3);
      assert.deepEqual(await storedSeqs(t, c), [3, 4]);
      await ack(t, receiverLaptop, c, 4);
      await waitFor('3 and 4 to be swept', async () => (await storedSeqs(t, c)).length === 0);
      // The log does not restart: the next message takes the next seq.
      assert.equal(json(await send(t, sender.device, c, 'later')).seq, 5);
    });

    test("the sender's other devices must ack too, and a removed device no longer holds messages back", async () => {
      const sender = await member(t);
      const senderTablet = await addDevice(t, sender.account, sender.device);
      const receiver = await member(t);
      const c = await direct(t, sender.device, receiver.account.accountId);
      await send(t, sender.device, c, 'hello');
      await ack(t, receiver.device, c, 1);
      // Give the sweeper several rounds: the tablet has not acked, so the message stays.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(await storedSeqs(t, c), [1]);
      const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${senderTablet.deviceId}`, headers: bearer(sender.account.token) });
      assert.equal(removed.statusCode, 204);
      await waitFor('the message to be swept', async () => (await storedSeqs(t, c)).length === 0);
    });
  });

  describe('until-delivered with a member who joined later', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_RETENTION: 'until-delivered', CHAT_RETENTION_SWEEP_INTERVAL: '50ms' }, { features: [chatFeature] });
    });
    after(() => t.close());

    test('a later member does not hold back entries from before it joined', async () => {
      const admin = await member(t);
      const bob = await member(t);
      const carol = await member(t);
      const c = json(
        await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(admin.device.token), payload: { type: 'group', title: 'g', memberAccountIds: [bob.account.accountId] } }),
      ).id as string;
      await send(t, admin.device, c, 'one');
      await send(t, admin.device, c, 'two');
      const added = await t.app.inject({ method: 'POST', url: `/v1/conversations/${c}/members`, headers: bearer(admin.device.token), payload: { accountId: carol.account.accountId } });
      assert.equal(added.statusCode, 201);
      await ack(t, bob.device, c, 3);
      // 1–3 were delivered to everyone who could see them; 4 (carol's arrival) waits for bob and carol.
      await waitFor('1–3 to be swept', async () => (await storedSeqs(t, c))[0] === 4);
      await ack(t, bob.device, c, 4);
      await ack(t, carol.device, c, 4);
      await waitFor('4 to be swept', async () => (await storedSeqs(t, c)).length === 0);
    });
  });

  describe('duration', () => {
    let t: TestPlatform;
    before(async () => {
      t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_RETENTION: '1h' }, { features: [chatFeature] });
    });
    after(() => t.close());

    test('entries older than the retention are deleted in batches; newer ones stay', async () => {
      const a = await member(t);
      const b = await member(t);
      const c = await direct(t, a.device, b.account.accountId);
      for (let i = 0; i < 7; i++) await send(t, a.device, c, `m${i}`);
      const now = Date.now();
      const keep = new RetentionSweeper({ db: t.platform.sql.db, policy: parseRetention('1h'), intervalMs: 60_000, now: () => now + 30 * 60_000 });
      assert.equal(await keep.sweep(), 0);
      const sweeper = new RetentionSweeper({ db: t.platform.sql.db, policy: parseRetention('1h'), intervalMs: 60_000, batchSize: 3, now: () => now + 2 * 3_600_000 });
      assert.ok((await sweeper.sweep()) >= 7);
      assert.deepEqual(await storedSeqs(t, c), []);
      const page = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${c}/messages`, headers: bearer(b.device.token) }));
      assert.deepEqual(page.messages, []);
    });

    test('until-delivered still drops what nobody fetched once it is older than CHAT_UNDELIVERED_MAX_AGE', async () => {
      const a = await member(t);
      const b = await member(t);
      const c = await direct(t, a.device, b.account.accountId);
      await send(t, a.device, c, 'never fetched');
      const now = Date.now();
      const young = new RetentionSweeper({ db: t.platform.sql.db, policy: parseRetention('until-delivered'), undeliveredMaxAgeMs: 3_600_000, intervalMs: 60_000, now: () => now + 60_000 });
      await young.sweep();
      assert.deepEqual(await storedSeqs(t, c), [1]);
      const old = new RetentionSweeper({ db: t.platform.sql.db, policy: parseRetention('until-delivered'), undeliveredMaxAgeMs: 3_600_000, intervalMs: 60_000, now: () => now + 2 * 3_600_000 });
      await old.sweep();
      assert.deepEqual(await storedSeqs(t, c), []);
    });
  });
});
