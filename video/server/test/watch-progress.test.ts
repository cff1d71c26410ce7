/**
 * Watch progress on both engine sets: the position round-trips per account (so a second
 * device resumes there), is clamped to the video's length, resumes from the start once
 * finished, and follows the same visibility rules as playback.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { videoFeature } from '../src/index.ts';
import { bearer, insertReadyVideo, owner, type Owner } from './views-fixtures.ts';

await forEachEngineSet('watch progress', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  let bob: Owner;
  before(async () => {
    t = await startTestPlatform(engines, { VIDEO_TRENDING_INTERVAL: '1h' }, { features: [videoFeature] });
    [alice, bob] = await Promise.all([owner(t), owner(t)]);
  });
  after(() => t.close());

  const put = (id: string, token: string | undefined, positionSec: unknown) =>
    t.app.inject({ method: 'PUT', url: `/v1/videos/${id}/progress`, headers: token ? bearer(token) : {}, payload: { positionSec } });
  const get = (id: string, token: string | undefined) => t.app.inject({ method: 'GET', url: `/v1/videos/${id}/progress`, headers: token ? bearer(token) : {} });

  test('the saved position round-trips per account, and the latest save wins', async () => {
    const id = await insertReadyVideo(t, alice, { durationSec: 600 });
    const never = json(await get(id, bob.token));
    assert.deepEqual(never, { positionSec: 0, resumeAtSec: 0, finished: false, updatedAt: null });
    assert.equal((await put(id, bob.token, 42.5)).statusCode, 200);
    assert.equal((await put(id, bob.token, 130.25)).statusCode, 200);
    const saved = json(await get(id, bob.token));
    assert.equal(saved.positionSec, 130.25);
    assert.equal(saved.resumeAtSec, 130.25);
    assert.equal(saved.finished, false);
    assert.ok(saved.updatedAt > Date.now() - 60_000);
    assert.equal(json(await get(id, alice.token)).positionSec, 0, 'another account has its own position');
  });

  test('a position past the end is clamped, and a finished video resumes from the start', async () => {
    const id = await insertReadyVideo(t, alice, { durationSec: 90 });
    const res = json(await put(id, bob.token, 5000));
    assert.deepEqual([res.positionSec, res.resumeAtSec, res.finished], [90, 0, true]);
    const nearEnd = json(await put(id, bob.token, 87));
    assert.deepEqual([nearEnd.positionSec, nearEnd.resumeAtSec, nearEnd.finished], [87, 0, true]);
    const middle = json(await put(id, bob.token, 45));
    assert.deepEqual([middle.resumeAtSec, middle.finished], [45, false]);
  });

  test('anonymous is 401; unknown ids and other people’s private videos are 404; bad positions 400', async () => {
    const id = await insertReadyVideo(t, alice);
    assert.equal((await put(id, undefined, 1)).statusCode, 401);
    assert.equal((await get(id, undefined)).statusCode, 401);
    for (const unknown of ['1', '99999999999999999999']) {
      assert.equal(json(await put(unknown, bob.token, 1)).error.code, 'video_not_found');
      assert.equal(json(await get(unknown, bob.token)).error.code, 'video_not_found');
    }
    const secret = await insertReadyVideo(t, alice, { visibility: 'private' });
    assert.equal((await put(secret, bob.token, 1)).statusCode, 404);
    assert.equal((await get(secret, bob.token)).statusCode, 404);
    assert.equal((await put(secret, alice.token, 1)).statusCode, 200, 'the owner keeps a position too');
    for (const bad of [-1, 'ten', null]) assert.equal(json(await put(id, bob.token, bad)).error.code, 'validation_failed', String(bad));
  });
});
