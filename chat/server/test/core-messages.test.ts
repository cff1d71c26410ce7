import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, send, text, TEST_ENV, type TestDevice } from './core-helpers.ts';

forEachEngineSet('chat message log over HTTP', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  async function group(creator: TestDevice, others: string[]): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(creator.token), payload: { type: 'group', title: 'g', memberAccountIds: others } });
    assert.equal(res.statusCode, 201, res.body);
    return json(res).id;
  }

  async function history(device: TestDevice, conversationId: string, query = ''): Promise<any> {
    const res = await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages${query}`, headers: bearer(device.token) });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  }

  test('sends store opaque bytes with gapless seqs and history pages back in both directions', async () => {
    const a = await member(t);
    const b = await member(t);
    const conversationId = json(await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(a.device.token), payload: { type: 'direct', accountId: b.account.accountId } })).id;
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: bearer(a.device.token),
      payload: { clientMessageId: 'm-1', kind: 'message', body: bytes.toString('base64url'), sentAt: 1 },
    });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(json(first).seq, 1);
    assert.equal(json(first).duplicate, false);
    for (let i = 2; i <= 5; i++) assert.equal(json(await send(t, i % 2 ? a.device : b.device, conversationId, `m${i}`)).seq, i);

    const newest = await history(b.device, conversationId, '?limit=2');
    assert.deepEqual(newest.messages.map((m: { seq: number }) => m.seq), [5, 4]);
    const older = await history(b.device, conversationId, `?limit=2&before=${newest.nextCursor}`);
    assert.deepEqual(older.messages.map((m: { seq: number }) => m.seq), [3, 2]);
    const oldest = await history(b.device, conversationId, `?limit=2&before=${older.nextCursor}`);
    assert.deepEqual(oldest.messages.map((m: { seq: number }) => m.seq), [1]);
    assert.equal(oldest.nextCursor, undefined);
    assert.equal(Buffer.from(oldest.messages[0].body, 'base64url').compare(bytes), 0);
    assert.equal(oldest.messages[0].senderDeviceId, a.device.deviceId);
    assert.equal(oldest.messages[0].clientMessageId, 'm-1');
    const ascending = await history(b.device, conversationId, `?limit=3&after=${older.nextCursor}`);
    assert.deepEqual(ascending.messages.map((m: { seq: number }) => m.seq), [3, 4, 5]);
  });

  test('a resend of the same client message id returns the original seq, sequentially and concurrently', async () => {
    const a = await member(t);
    const conversationId = await group(a.device, []);
    const original = json(await send(t, a.device, conversationId, 'once', 'dup-1'));
    const again = await send(t, a.device, conversationId, 'once', 'dup-1');
    assert.equal(again.statusCode, 200);
    assert.deepEqual({ ...json(again), duplicate: false }, original);
    assert.equal(json(again).duplicate, true);

    const burst = await Promise.all(Array.from({ length: 10 }, () => send(t, a.device, conversationId, 'burst', 'dup-2')));
    const seqs = new Set(burst.map((r) => json(r).seq));
    assert.equal(seqs.size, 1);
    assert.equal(burst.filter((r) => r.statusCode === 201).length, 1);
    // Reused for another conversation, it is a client bug, not a resend.
    const elsewhere = await group(a.device, []);
    const reused = await send(t, a.device, elsewhere, 'other', 'dup-1');
    assert.equal(reused.statusCode, 409);
    assert.equal(json(reused).error.code, 'client_message_id_reused');
    // The same client id from another device is another message.
    const other = await addDevice(t, a.account, a.device);
    assert.equal((await send(t, other, conversationId, 'other device', 'dup-2')).statusCode, 201);
    const log = await history(a.device, conversationId, '?limit=50');
    assert.deepEqual(log.messages.map((m: { seq: number }) => m.seq), [4, 3, 2, 1]);
  });

  test('5 devices of 3 accounts sending 200 messages each at once get seqs 1..N with no gap and no duplicate', async () => {
    const accounts = await Promise.all([1, 2, 3].map(() => member(t)));
    const devices = [...accounts.map((m) => m.device)];
    devices.push(await addDevice(t, accounts[0]!.account, accounts[0]!.device), await addDevice(t, accounts[1]!.account, accounts[1]!.device));
    const conversationId = await group(accounts[0]!.device, accounts.slice(1).map((m) => m.account.accountId));
    const perDevice = 200;
    const responses = await Promise.all(devices.flatMap((device) => Array.from({ length: perDevice }, (_, i) => send(t, device, conversationId, `${device.deviceId}:${i}`))));
    assert.ok(responses.every((r) => r.statusCode === 201), responses.find((r) => r.statusCode !== 201)?.body ?? "");
    // seq 1 is the group's creation entry.
    const seqs = responses.map((r) => json(r).seq as number).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: devices.length * perDevice }, (_, i) => i + 2));
    const all: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await history(devices[2]!, conversationId, `?limit=170${cursor ? `&before=${cursor}` : ''}`);
      all.push(...page.messages.map((m: { seq: number }) => m.seq));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(all.reverse(), [1, ...seqs]);
  });

  test('delete for everyone wipes the body and appends a tombstone; only the sender or an admin may', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const conversationId = await group(admin.device, [bob.account.accountId]);
    const bobs = json(await send(t, bob.device, conversationId, 'secret'));
    const admins = json(await send(t, admin.device, conversationId, 'admin says'));
    const denied = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/${admins.seq}`, headers: bearer(bob.device.token) });
    assert.equal(denied.statusCode, 403);
    assert.equal(json(denied).error.code, 'not_the_sender');
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/${bobs.seq}`, headers: bearer(bob.device.token) });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assert.equal(json(deleted).tombstone.kind, 'tombstone');
    assert.equal(json(deleted).tombstone.refSeq, bobs.seq);
    const byAdmin = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/${admins.seq}`, headers: bearer(admin.device.token) });
    assert.equal(byAdmin.statusCode, 200);
    const again = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/${bobs.seq}`, headers: bearer(bob.device.token) });
    assert.equal(again.statusCode, 409);
    assert.equal(json(again).error.code, 'message_not_deletable');
    const missing = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/999`, headers: bearer(bob.device.token) });
    assert.equal(missing.statusCode, 404);
    assert.equal(json(missing).error.code, 'message_not_found');

    const log = await history(bob.device, conversationId, '?limit=10');
    const original = log.messages.find((m: { seq: number }) => m.seq === bobs.seq);
    assert.equal(original.body, '');
    assert.equal(original.deleted, true);
    // The bytes are gone from storage, not just hidden.
    const row = await t.platform.sql.db.selectFrom('chat_message').select('body').where('conversation_id', '=', conversationId).where('seq', '=', bobs.seq).executeTakeFirstOrThrow();
    assert.equal((row.body as Uint8Array).byteLength, 0);
  });

  test('bad input gets precise 4xx: unknown ids, forged cursors, oversized bodies, malformed JSON, wrong types', async () => {
    const a = await member(t);
    const conversationId = await group(a.device, []);
    const unknown = await send(t, a.device, '123456789', 'x');
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'conversation_not_found');
    const outOfRange = await send(t, a.device, '99999999999999999999', 'x');
    assert.equal(outOfRange.statusCode, 404);
    const unknownHistory = await t.app.inject({ method: 'GET', url: '/v1/conversations/99999999999999999999/messages', headers: bearer(a.device.token) });
    assert.equal(unknownHistory.statusCode, 404);
    const forged = await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages?before=eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA`, headers: bearer(a.device.token) });
    assert.equal(forged.statusCode, 400);
    assert.equal(json(forged).error.code, 'invalid_cursor');
    const other = await group(a.device, []);
    const page = await history(a.device, other, '?limit=1');
    await send(t, a.device, other, 'more');
    const page2 = await history(a.device, other, '?limit=1');
    const crossed = await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages?before=${page2.nextCursor ?? page.nextCursor}`, headers: bearer(a.device.token) });
    assert.equal(json(crossed).error.code, 'invalid_cursor');

    const both = await t.app.inject({ method: 'GET', url: `/v1/conversations/${other}/messages?before=${page2.nextCursor}&after=${page2.nextCursor}`, headers: bearer(a.device.token) });
    assert.equal(both.statusCode, 400);
    assert.equal(json(both).error.code, 'validation_failed');

    const big = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: bearer(a.device.token),
      payload: { clientMessageId: randomUUID(), kind: 'message', body: Buffer.alloc(65 * 1024, 7).toString('base64url'), sentAt: 0 },
    });
    assert.equal(big.statusCode, 413);
    assert.equal(json(big).error.code, 'payload_too_large');
    const exact = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: bearer(a.device.token),
      payload: { clientMessageId: randomUUID(), kind: 'message', body: Buffer.alloc(64 * 1024, 7).toString('base64url'), sentAt: 0 },
    });
    assert.equal(exact.statusCode, 201);

    const malformed = await t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/messages`, headers: { ...bearer(a.device.token), 'content-type': 'application/json' }, payload: '{"kind":' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(json(malformed).error.code, 'invalid_json');
    const wrongType = await t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/messages`, headers: bearer(a.device.token), payload: { clientMessageId: 'x', kind: 'message', body: text('x'), sentAt: '5' } });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(json(wrongType).error.code, 'validation_failed');
    const serverKind = await t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/messages`, headers: bearer(a.device.token), payload: { clientMessageId: 'x', kind: 'system', body: '', sentAt: 0 } });
    assert.equal(serverKind.statusCode, 400);
    const badBody = await t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/messages`, headers: bearer(a.device.token), payload: { clientMessageId: 'x', kind: 'message', body: 'A', sentAt: 0 } });
    assert.equal(badBody.statusCode, 400);
    assert.equal(json(badBody).error.code, 'invalid_body');
    const badSeq = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${conversationId}/messages/0`, headers: bearer(a.device.token) });
    assert.equal(badSeq.statusCode, 400);
  });
});
