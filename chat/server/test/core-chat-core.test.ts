/**
 * The `ChatCore` contract as the real-time side uses it, on a second core instance built
 * on the same platform — which also plays "another node" for the roster cache.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClientMessageId, ConversationId, WireMessage } from '@twin/chat-protocol';
import { AppError, loadSettings } from '@twin/platform';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { buildChatCore, type ChatCoreServices } from '../src/chat-core.ts';
import type { DeviceIdentity, NewMessage } from '../src/core.ts';
import { chatCoreSettings, chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, send, TEST_ENV, type TestDevice } from './core-helpers.ts';

forEachEngineSet('ChatCore for the real-time side', (engines) => {
  let t: TestPlatform;
  let chat: ChatCoreServices;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
    chat = buildChatCore(t.platform, loadSettings(chatCoreSettings, {}), { metrics: false });
    await chat.start();
  });
  after(async () => {
    await chat?.stop();
    await t?.close();
  });

  const identity = (d: TestDevice): DeviceIdentity => ({ accountId: d.accountId, deviceId: d.deviceId }) as DeviceIdentity;
  const message = (conversationId: string, clientMessageId: string, bytes = 3): NewMessage => ({
    conversationId: conversationId as ConversationId,
    clientMessageId: clientMessageId as ClientMessageId,
    kind: 'message',
    body: new Uint8Array(bytes).fill(1),
    sentAt: 1,
  });
  const group = async (creator: TestDevice, others: string[]) =>
    json(await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(creator.token), payload: { type: 'group', title: 'g', memberAccountIds: others } })).id as string;
  const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok');

  test('authenticateDevice accepts a device token and refuses account tokens and removed devices', async () => {
    const m = await member(t);
    assert.deepEqual(await chat.core.authenticateDevice(m.device.token), identity(m.device));
    await assert.rejects(chat.core.authenticateDevice(m.account.token), (e: AppError) => e.code === 'device_token_required');
    await assert.rejects(chat.core.authenticateDevice('not-a-token'), (e: AppError) => e.code === 'unauthorized');
    await t.app.inject({ method: 'DELETE', url: `/v1/devices/${m.device.deviceId}`, headers: bearer(m.account.token) });
    await assert.rejects(chat.core.authenticateDevice(m.device.token), (e: AppError) => e.code === 'device_revoked');
  });

  test('appendMessages settles each entry alone, shares one seq range and one chat.messages event per batch', async () => {
    const a = await member(t);
    const outsider = await member(t);
    const mine = await group(a.device, []);
    const theirs = await group(outsider.device, []);
    const events: WireMessage[][] = [];
    const consumer = await t.platform.bus.consume({
      group: `test-batch-${mine}`,
      subjects: ['chat.messages'],
      handler: (deliveries) => {
        for (const d of deliveries) {
          const batch = (d.event.payload as { messages: WireMessage[] }).messages;
          if (batch.some((m) => m.conversationId === mine && m.kind === 'message')) events.push(batch);
          d.ack();
        }
      },
    });
    try {
      const results = await chat.core.appendMessages(identity(a.device), [
        message(mine, 'a'),
        message(theirs, 'b'),
        message('123456789', 'c'),
        message(mine, 'd', 64 * 1024 + 1),
        message(mine, 'e'),
        message(mine, 'a'),
      ]);
      assert.deepEqual(results.map(codeOf), ['ok', 'not_a_member', 'conversation_not_found', 'payload_too_large', 'ok', 'ok']);
      const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      assert.deepEqual(values.map((v) => [v.seq, v.duplicate]), [[2, false], [3, false], [2, true]]);
      await waitFor('the chat.messages event', () => events.length > 0);
      assert.equal(events.length, 1, 'one event for the batch');
      assert.deepEqual(events[0]!.map((m) => m.seq), [2, 3]);
      assert.equal(events[0]![0]!.body, 'AQEB');
    } finally {
      await consumer.stop();
    }
  });

  test('a resend sharing a write turn with new messages resolves to the original and costs no seq', async () => {
    const a = await member(t);
    const b = await member(t);
    const c = await group(a.device, [b.account.accountId]);
    const seqOf = (r: PromiseSettledResult<{ seq: number; duplicate: boolean }> | undefined) => (r?.status === 'fulfilled' ? [r.value.seq, r.value.duplicate] : codeOf(r!));
    const [original] = await chat.core.appendMessages(identity(a.device), [message(c, 'first')]);
    assert.deepEqual(seqOf(original), [2, false]);
    // Appends submitted in one tick share a turn: the resend rides with b's new messages,
    // and the unique index, not a lookup, is what finds it.
    const [resent, fresh] = await Promise.all([
      chat.core.appendMessages(identity(a.device), [message(c, 'first')], { gathered: true }),
      chat.core.appendMessages(identity(b.device), [message(c, 'new-1'), message(c, 'new-2'), message(c, 'new-3')], { gathered: true }),
    ]);
    assert.deepEqual(resent.map(seqOf), [[2, true]]);
    assert.deepEqual(fresh.map(seqOf), [[3, false], [4, false], [5, false]]);
    // A resend into another conversation is still refused, and what follows is unaffected.
    const elsewhere = await group(a.device, []);
    const [reused, next] = await Promise.all([
      chat.core.appendMessages(identity(a.device), [message(elsewhere, 'first')], { gathered: true }),
      chat.core.appendMessages(identity(b.device), [message(c, 'new-4'), message(c, 'new-1')], { gathered: true }),
    ]);
    assert.deepEqual(reused.map(seqOf), ['client_message_id_reused']);
    assert.deepEqual(next.map(seqOf), [[6, false], [3, true]]);
    const stored = await t.platform.sql.db.selectFrom('chat_message').select('seq').where('conversation_id', '=', c).orderBy('seq').execute();
    assert.deepEqual(stored.map((r) => Number(r.seq)), [1, 2, 3, 4, 5, 6]);
  });

  test('a resend racing through two nodes at once resolves to one stored message', async () => {
    const a = await member(t);
    const c = await group(a.device, []);
    for (let round = 0; round < 5; round++) {
      const clientMessageId = `race-${round}`;
      const [viaHttp, viaCore] = await Promise.all([send(t, a.device, c, 'x', clientMessageId), chat.core.appendMessages(identity(a.device), [message(c, clientMessageId)])]);
      assert.ok(viaHttp.statusCode === 200 || viaHttp.statusCode === 201, viaHttp.body);
      const core = viaCore[0]!;
      assert.equal(core.status, 'fulfilled');
      assert.equal(core.status === 'fulfilled' && core.value.seq, json(viaHttp).seq);
      assert.equal(core.status === 'fulfilled' && core.value.duplicate, json(viaHttp).duplicate === false);
    }
    const stored = await t.platform.sql.db.selectFrom('chat_message').select('seq').where('conversation_id', '=', c).execute();
    assert.equal(stored.length, 6);
  });

  test('two nodes appending to one conversation at once share one gapless seq range', async () => {
    const a = await member(t);
    const b = await member(t);
    const c = await group(a.device, [b.account.accountId]);
    const [viaHttp, viaCore] = await Promise.all([
      Promise.all(Array.from({ length: 150 }, (_, i) => send(t, a.device, c, `http ${i}`))),
      Promise.all(Array.from({ length: 150 }, (_, i) => chat.core.appendMessages(identity(b.device), [message(c, `core-${i}`)]))),
    ]);
    const seqs = [
      ...viaHttp.map((r) => json(r).seq as number),
      ...viaCore.map(([r]) => (r!.status === 'fulfilled' ? r!.value.seq : Number.NaN)),
    ].sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 300 }, (_, i) => i + 2));
  });

  test('readAfter returns what the member may see and refuses a removed member', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const c = await group(admin.device, [bob.account.accountId]);
    for (let i = 0; i < 5; i++) await send(t, admin.device, c, `m${i}`);
    const page = await chat.core.readAfter(identity(bob.device), c as ConversationId, 2, 2);
    assert.deepEqual(page.map((m) => m.seq), [3, 4]);
    await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${c}/members/${bob.account.accountId}`, headers: bearer(admin.device.token) });
    await assert.rejects(chat.core.readAfter(identity(bob.device), c as ConversationId, 0, 10), (e: AppError) => e.code === 'not_a_member');
  });

  test('pendingConversations lists what the device has not acked; ack moves it and is clamped', async () => {
    const me = await member(t);
    const peer = await member(t);
    const c = await group(peer.device, [me.account.accountId]);
    await send(t, peer.device, c, 'one');
    const pending = await chat.core.pendingConversations(identity(me.device));
    assert.deepEqual(pending.filter((p) => p.conversationId === c), [{ conversationId: c, ackedSeq: 0, lastSeq: 2 }]);
    assert.equal(await chat.core.ack(identity(me.device), c as ConversationId, 50), 2);
    assert.deepEqual((await chat.core.pendingConversations(identity(me.device))).filter((p) => p.conversationId === c), []);
    await chat.core.markRead(identity(me.device), c as ConversationId, 2);
  });

  test('membersOf is cached and follows membership changes made on another node', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const c = (await group(admin.device, [])) as ConversationId;
    assert.deepEqual(await chat.core.membersOf(c), [admin.account.accountId]);
    // The change goes through the feature's own core (the other "node").
    await t.app.inject({ method: 'POST', url: `/v1/conversations/${c}/members`, headers: bearer(admin.device.token), payload: { accountId: bob.account.accountId } });
    await waitFor('the roster to include bob', async () => (await chat.core.membersOf(c)).includes(bob.account.accountId as never));
    await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${c}/members/${bob.account.accountId}`, headers: bearer(bob.device.token) });
    await waitFor('the roster to drop bob', async () => !(await chat.core.membersOf(c)).includes(bob.account.accountId as never));
  });

  test('devicesOf lists active devices; shareAConversation tells whether two accounts meet', async () => {
    const a = await member(t);
    const a2 = await addDevice(t, a.account, a.device);
    const b = await member(t);
    const stranger = await member(t);
    await group(a.device, [b.account.accountId]);
    const devices = await chat.core.devicesOf([a.account.accountId, b.account.accountId] as never);
    assert.deepEqual(new Set(devices.map((d) => d.deviceId)), new Set([a.device.deviceId, a2.deviceId, b.device.deviceId]));
    assert.equal(await chat.core.shareAConversation(a.account.accountId as never, b.account.accountId as never), true);
    assert.equal(await chat.core.shareAConversation(a.account.accountId as never, stranger.account.accountId as never), false);
    // Many questions at once (a presence subscription) are answered together, each correctly.
    const answers = await Promise.all(
      [b, stranger, a, b, stranger].map((other) => chat.core.shareAConversation(a.account.accountId as never, other.account.accountId as never)),
    );
    assert.deepEqual(answers, [true, false, true, true, false]);
    assert.equal(await chat.core.shareAConversation(b.account.accountId as never, a.account.accountId as never), true);
  });
});
