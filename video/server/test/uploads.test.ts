/**
 * tus uploads through the public API on both engine sets: creation, pieces, a dropped
 * connection, a server restart between pieces, and every refusal in the error envelope.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { forEachEngineSet, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import type { VideoId } from '../src/ids.ts';
import { videoFeature } from '../src/index.ts';
import { sourceKey } from '../src/uploads/upload-ids.ts';
import { createChannel, getVideo, listen, signUp, tusCreate, tusOffset, tusPatch, uploadId } from './helpers.ts';

const LIMIT = 64 * 1024;

forEachEngineSet('video tus uploads', (engines) => {
  let t: TestPlatform;
  let base: string;
  let alice: { token: string };
  let channelId: string;
  before(async () => {
    t = await startTestPlatform(engines, { VIDEO_UPLOAD_MAX_BYTES: String(LIMIT), VIDEO_ACCOUNT_QUOTA_BYTES: String(3 * LIMIT) }, { features: [videoFeature] });
    base = await listen(t);
    alice = await signUp(t);
    channelId = await createChannel(t, alice.token);
  });
  after(() => t.close());
  const meta = () => ({ channelId, title: 'Pieces', filename: 'pieces.bin' });

  test('an upload sent in pieces reaches its full offset and its video leaves uploading', async () => {
    const bytes = randomBytes(3000);
    const { res, url } = await tusCreate(base, { length: bytes.length, token: alice.token, metadata: meta() });
    assert.equal(res.status, 201);
    assert.ok(url);
    assert.equal((await getVideo(t, alice.token, uploadId(url))).status, 'uploading');
    assert.equal((await tusPatch(url, alice.token, 0, bytes.subarray(0, 1000))).status, 204);
    assert.equal(await tusOffset(url, alice.token), 1000);
    const last = await tusPatch(url, alice.token, 1000, bytes.subarray(1000));
    assert.equal(last.status, 204);
    assert.equal(last.headers.get('upload-offset'), '3000');
    // Random bytes are no video: validation ends it failed (validation.test.ts checks reasons).
    const video = await getVideo(t, alice.token, uploadId(url));
    assert.equal(video.status, 'failed');
    assert.equal(video.title, 'Pieces');
  });

  test('creation-with-upload stores the bytes sent with the POST', async () => {
    const bytes = randomBytes(2000);
    const { res, url } = await tusCreate(base, { length: 4000, token: alice.token, metadata: meta(), body: bytes });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('upload-offset'), '2000');
    assert.equal(await tusOffset(url!, alice.token), 2000);
    // The local datastore writes the source file itself, freeing each received chunk once written.
    const path = t.platform.blob.localPath(sourceKey(uploadId(url!) as VideoId));
    if (path) assert.deepEqual(await readFile(path), bytes);
  });

  test('a connection dropped mid-PATCH keeps what arrived, and the upload resumes from the offset HEAD reports', async () => {
    const bytes = randomBytes(40_000);
    const { url } = await tusCreate(base, { length: bytes.length, token: alice.token, metadata: meta() });
    await new Promise<void>((resolve) => {
      const req = request(url!, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(bytes.length) },
      });
      req.on('error', () => resolve());
      req.write(bytes.subarray(0, 25_000), () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 200));
    });
    let offset = 0;
    await waitFor('the partial bytes to be stored', async () => (offset = await tusOffset(url!, alice.token).catch(() => 0)) > 0, 10_000);
    assert.ok(offset <= 25_000, `offset ${offset}`);
    const rest = await tusPatch(url!, alice.token, offset, bytes.subarray(offset));
    assert.equal(rest.status, 204);
    assert.equal(rest.headers.get('upload-offset'), String(bytes.length));
  });

  test('a PATCH at the wrong offset is refused with 409 offset_mismatch', async () => {
    const { url } = await tusCreate(base, { length: 100, token: alice.token, metadata: meta() });
    const res = await tusPatch(url!, alice.token, 10, randomBytes(10));
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as any).error.code, 'offset_mismatch');
  });

  test('an Upload-Length over VIDEO_UPLOAD_MAX_BYTES is refused with 413', async () => {
    const { res } = await tusCreate(base, { length: LIMIT + 1, token: alice.token, metadata: meta() });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).error.code, 'payload_too_large');
  });

  test('bytes beyond the declared Upload-Length are refused with 413', async () => {
    const { url } = await tusCreate(base, { length: 100, token: alice.token, metadata: meta() });
    const res = await tusPatch(url!, alice.token, 0, randomBytes(200));
    assert.equal(res.status, 413);
  });

  test('an upload that would exceed the account quota is refused with 413 quota_exceeded', async () => {
    const bob = await signUp(t);
    const bobChannel = await createChannel(t, bob.token);
    const first = await tusCreate(base, { length: LIMIT, token: bob.token, metadata: { channelId: bobChannel, title: 'a', filename: 'a' } });
    assert.equal(first.res.status, 201);
    await tusCreate(base, { length: LIMIT, token: bob.token, metadata: { channelId: bobChannel, title: 'b', filename: 'b' } });
    await tusCreate(base, { length: LIMIT, token: bob.token, metadata: { channelId: bobChannel, title: 'c', filename: 'c' } });
    const over = await tusCreate(base, { length: 10, token: bob.token, metadata: { channelId: bobChannel, title: 'd', filename: 'd' } });
    assert.equal(over.res.status, 413);
    assert.equal(((await over.res.json()) as any).error.code, 'quota_exceeded');
  });

  test('without a token every tus request is refused with 401 in the error envelope', async () => {
    const { res } = await tusCreate(base, { length: 10, metadata: meta() });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).error.code, 'unauthorized');
  });

  test('another account’s upload answers 404 to HEAD, PATCH and DELETE', async () => {
    const { url } = await tusCreate(base, { length: 100, token: alice.token, metadata: meta() });
    const mallory = await signUp(t);
    const head = await fetch(url!, { method: 'HEAD', headers: { authorization: `Bearer ${mallory.token}`, 'tus-resumable': '1.0.0' } });
    assert.equal(head.status, 404);
    assert.equal((await tusPatch(url!, mallory.token, 0, randomBytes(10))).status, 404);
    const del = await fetch(url!, { method: 'DELETE', headers: { authorization: `Bearer ${mallory.token}`, 'tus-resumable': '1.0.0' } });
    assert.equal(del.status, 404);
    assert.equal(await tusOffset(url!, alice.token), 0);
  });

  test('an upload into another account’s channel is refused with 404 channel_not_found', async () => {
    const mallory = await signUp(t);
    const { res } = await tusCreate(base, { length: 10, token: mallory.token, metadata: meta() });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).error.code, 'channel_not_found');
  });

  test('metadata without a title is refused with 400 invalid_upload_metadata', async () => {
    const { res } = await tusCreate(base, { length: 10, token: alice.token, metadata: { channelId, filename: 'x' } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).error.code, 'invalid_upload_metadata');
  });

  test('termination (DELETE) removes the upload', async () => {
    const { url } = await tusCreate(base, { length: 100, token: alice.token, metadata: meta() });
    const del = await fetch(url!, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' } });
    assert.equal(del.status, 204);
    const head = await fetch(url!, { method: 'HEAD', headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' } });
    assert.ok(head.status === 404 || head.status === 410, String(head.status));
  });
});

forEachEngineSet('video upload expiry', (engines) => {
  let t: TestPlatform;
  let base: string;
  before(async () => {
    t = await startTestPlatform(engines, { VIDEO_UPLOAD_EXPIRY: '1s', VIDEO_UPLOAD_CLEANUP_INTERVAL: '200ms' }, { features: [videoFeature] });
    base = await listen(t);
  });
  after(() => t.close());

  test('an upload left unfinished past VIDEO_UPLOAD_EXPIRY is cleaned: its bytes go and its video ends failed with upload_expired', async () => {
    const { token } = await signUp(t);
    const channelId = await createChannel(t, token);
    const { url } = await tusCreate(base, { length: 1000, token, metadata: { channelId, title: 'Abandoned', filename: 'a.bin' } });
    assert.equal((await tusPatch(url!, token, 0, randomBytes(100))).status, 204);
    let video: any;
    await waitFor('the upload to expire', async () => (video = await getVideo(t, token, uploadId(url!))).status === 'failed', 10_000);
    assert.equal(video.failureReason, 'upload_expired');
    const head = await fetch(url!, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
    assert.ok(head.status === 404 || head.status === 410, String(head.status));
  });
});
