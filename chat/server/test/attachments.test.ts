/**
 * Encrypted attachments over the public HTTP API, on both engine sets: upload bound to a
 * conversation, download only by current members (404 for everyone else, the same as an
 * unknown id), the size limit from Content-Length and while streaming, and expiry with
 * retention. The bytes here are arbitrary: the server never interprets them (the SDK's
 * tests in chat/client/test/attachments*.test.ts cover encryption).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { attachmentBlobKey, AttachmentSweeper } from '../src/attachments/index.ts';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, TEST_ENV, type TestDevice } from './core-helpers.ts';

const MAX = 64 * 1024;

forEachEngineSet('chat attachments', (engines) => {
  let t: TestPlatform;
  let baseUrl: string;
  before(async () => {
    t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_ATTACHMENT_MAX_BYTES: String(MAX) }, { features: [chatFeature] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  });
  after(() => t.close());

  const group = async (admin: TestDevice, accountIds: string[]) => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(admin.token), payload: { type: 'group', title: 'files', memberAccountIds: accountIds } });
    assert.equal(created.statusCode, 201, created.body);
    return json(created).id as string;
  };
  const upload = (device: TestDevice, conversationId: string, body: Buffer) =>
    t.app.inject({ method: 'POST', url: `/v1/conversations/${conversationId}/attachments`, headers: { ...bearer(device.token), 'content-type': 'application/octet-stream' }, payload: body });
  const download = (device: TestDevice, id: string) => t.app.inject({ method: 'GET', url: `/v1/attachments/${id}`, headers: bearer(device.token) });
  const errorCode = (response: { body: string }) => json(response).error.code as string;
  const attachmentBlobs = async () => (await t.platform.blob.list('chat/attachments/')).keys.map((k) => k.key);

  test('a member uploads ciphertext bound to the conversation and every member downloads the same bytes with its digest', async () => {
    const alice = await member(t);
    const bob = await member(t);
    const c = await group(alice.device, [bob.account.accountId]);
    const bytes = randomBytes(40_000);
    const uploaded = await upload(alice.device, c, bytes);
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    const view = json(uploaded);
    assert.equal(view.conversationId, c);
    assert.equal(view.size, bytes.length);
    assert.equal(view.sha256, (await import('node:crypto')).createHash('sha256').update(bytes).digest('base64url'));
    assert.ok(view.expiresAt > view.storedAt);
    const got = await download(bob.device, view.id);
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal(got.headers['digest-sha256'], view.sha256);
    assert.deepEqual(got.rawPayload, bytes);
  });

  test('only current members: a non-member, a removed member and an unknown id all get 404 attachment_not_found; a revoked device 401', async () => {
    const alice = await member(t);
    const bob = await member(t);
    const bobPhone = await addDevice(t, bob.account, bob.device);
    const eve = await member(t);
    const c = await group(alice.device, [bob.account.accountId]);
    const id = json(await upload(alice.device, c, randomBytes(1000))).id as string;
    assert.equal((await download(bob.device, id)).statusCode, 200);

    const outsider = await download(eve.device, id);
    assert.equal(outsider.statusCode, 404);
    assert.equal(errorCode(outsider), 'attachment_not_found');
    const unknown = await download(alice.device, '9223372036854775807');
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorCode(unknown), 'attachment_not_found');
    assert.deepEqual(json(unknown).error.message, json(outsider).error.message, 'a refusal must not tell an existing id from an unknown one');
    assert.equal((await download(alice.device, 'abc')).statusCode, 400);

    const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${bobPhone.deviceId}`, headers: bearer(bob.account.token) });
    assert.equal(revoked.statusCode, 204);
    const fromRevoked = await download(bobPhone, id);
    // The platform revokes the device's token session with it: 401 before any lookup.
    assert.equal(fromRevoked.statusCode, 401);
    assert.ok(['unauthorized', 'device_revoked'].includes(errorCode(fromRevoked)), errorCode(fromRevoked));

    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${c}/members/${bob.account.accountId}`, headers: bearer(alice.device.token) });
    assert.equal(removed.statusCode, 204, removed.body);
    const afterRemoval = await download(bob.device, id);
    assert.equal(afterRemoval.statusCode, 404);
    assert.equal(errorCode(afterRemoval), 'attachment_not_found');
  });

  test('uploads only into a conversation of the caller: 403 not_a_member, 404 conversation_not_found, and an empty body is 400', async () => {
    const alice = await member(t);
    const eve = await member(t);
    const c = await group(alice.device, []);
    const refused = await upload(eve.device, c, randomBytes(100));
    assert.equal(refused.statusCode, 403);
    assert.equal(errorCode(refused), 'not_a_member');
    const missing = await upload(alice.device, '123456789', randomBytes(100));
    assert.equal(missing.statusCode, 404);
    assert.equal(errorCode(missing), 'conversation_not_found');
    const empty = await upload(alice.device, c, Buffer.alloc(0));
    assert.equal(empty.statusCode, 400);
    assert.equal(errorCode(empty), 'attachment_empty');
    const session = await t.app.inject({ method: 'POST', url: `/v1/conversations/${c}/attachments`, headers: { ...bearer(alice.account.token), 'content-type': 'application/octet-stream' }, payload: randomBytes(10) });
    assert.equal(session.statusCode, 403);
    assert.equal(errorCode(session), 'device_token_required');
  });

  test('over the limit is 413 payload_too_large, from Content-Length and while streaming a body without one, and leaves nothing behind', async () => {
    const alice = await member(t);
    const c = await group(alice.device, []);
    const before = await attachmentBlobs();
    const declared = await upload(alice.device, c, randomBytes(MAX + 1));
    assert.equal(declared.statusCode, 413);
    assert.equal(errorCode(declared), 'payload_too_large');
    assert.equal(json(declared).error.details.maxBytes, MAX);

    // Chunked, no Content-Length: the server must count while streaming and stop at the limit.
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 64 * MAX) return controller.close();
        sent += 8192;
        controller.enqueue(randomBytes(8192));
      },
    });
    const streamed = await fetch(`${baseUrl}/v1/conversations/${c}/attachments`, {
      method: 'POST',
      headers: { ...bearer(alice.device.token), 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(((await streamed.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    assert.deepEqual(await attachmentBlobs(), before);
    const rows = await t.platform.sql.db.selectFrom('chat_attachment').select('id').where('conversation_id', '=', c).execute();
    assert.deepEqual(rows, []);

    const exact = await upload(alice.device, c, randomBytes(MAX));
    assert.equal(exact.statusCode, 201, 'exactly the limit is allowed');
  });

  test('both routes are in the OpenAPI document', async () => {
    const paths = json(await t.app.inject({ method: 'GET', url: '/docs/json' })).paths;
    assert.ok(paths['/v1/conversations/{id}/attachments']?.post);
    assert.ok(paths['/v1/attachments/{id}']?.get);
  });

  test('retention removes an expired attachment: its blob and its row go, and a download is 404', async () => {
    const alice = await member(t);
    const c = await group(alice.device, []);
    const id = json(await upload(alice.device, c, randomBytes(2000))).id as string;
    const fresh = json(await upload(alice.device, c, randomBytes(2000))).id as string;
    assert.ok(await t.platform.blob.head(attachmentBlobKey(id)));
    // Back-date the first, as if it was stored 31 days ago (the default CHAT_RETENTION is 30d).
    await t.platform.sql.db.updateTable('chat_attachment').set({ stored_at: Date.now() - 31 * 86_400_000 }).where('id', '=', id).execute();
    const sweeper = new AttachmentSweeper({ db: t.platform.sql.db, blob: t.platform.blob, keepForMs: 30 * 86_400_000, intervalMs: 60_000 });
    assert.ok((await sweeper.sweep()) >= 1);
    assert.equal(await t.platform.blob.head(attachmentBlobKey(id)), null);
    assert.equal((await download(alice.device, id)).statusCode, 404);
    assert.equal((await download(alice.device, fresh)).statusCode, 200, 'an attachment within retention stays');
  });

  test('an upload abandoned half-way (row left uploading) is swept with its blob after a day', async () => {
    const alice = await member(t);
    const c = await group(alice.device, []);
    const id = json(await upload(alice.device, c, randomBytes(500))).id as string;
    await t.platform.sql.db.updateTable('chat_attachment').set({ state: 'uploading', stored_at: null, started_at: Date.now() - 25 * 3_600_000 }).where('id', '=', id).execute();
    assert.equal((await download(alice.device, id)).statusCode, 404, 'an unfinished upload is not readable');
    const sweeper = new AttachmentSweeper({ db: t.platform.sql.db, blob: t.platform.blob, keepForMs: 30 * 86_400_000, intervalMs: 60_000 });
    await sweeper.sweep();
    assert.equal(await t.platform.blob.head(attachmentBlobKey(id)), null);
    assert.equal((await t.platform.sql.db.selectFrom('chat_attachment').select('id').where('id', '=', id).execute()).length, 0);
  });
});
