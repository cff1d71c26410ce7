/**
 * View counting end to end on both engine sets: a play token from the start route, the
 * beacon counting once per viewer per window after the minimum watch time, anonymous
 * viewers told apart by IP + anonymous id without the IP ever leaving the server, the
 * write-behind reaching SQL, a graceful stop flushing everything, and the 4xx surface.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { videoFeature } from '../src/index.ts';
import { ViewService } from '../src/views/service.ts';
import { bearer, insertReadyVideo, owner, storedViewCount, type Owner } from './views-fixtures.ts';

// A long flush interval: the tests that build their own ViewService drain the shared pending set themselves.
const env = { VIDEO_VIEW_MIN_WATCH: '0ms', VIDEO_VIEW_FLUSH_INTERVAL: '1h', VIDEO_VIEW_WINDOW: '1h', VIDEO_TRENDING_INTERVAL: '1h' };

await forEachEngineSet('views', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  let bob: Owner;
  before(async () => {
    t = await startTestPlatform(engines, env, { features: [videoFeature] });
    [alice, bob] = await Promise.all([owner(t), owner(t)]);
  });
  after(() => t.close());

  const start = (id: string, o: { token?: string; anonymousId?: string; ip?: string } = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/videos/${id}/views/start`,
      headers: { ...(o.token ? bearer(o.token) : {}), ...(o.ip ? { 'x-forwarded-for': o.ip } : {}) },
      remoteAddress: o.ip ?? '127.0.0.1',
      payload: o.anonymousId ? { anonymousId: o.anonymousId } : {},
    });
  const beacon = (id: string, playToken: string, watchedSeconds = 60) =>
    t.app.inject({ method: 'POST', url: `/v1/videos/${id}/views`, payload: { playToken, watchedSeconds } });
  const view = async (id: string, o: Parameters<typeof start>[1] = {}) => {
    const started = await start(id, o);
    assert.equal(started.statusCode, 200, started.body);
    const res = await beacon(id, json(started).playToken);
    assert.equal(res.statusCode, 200, res.body);
    return json(res).outcome as string;
  };

  test('a signed-in viewer counts once per window, and the count reaches SQL by the write-behind', async () => {
    const fast = await startTestPlatform(engines, { ...env, VIDEO_VIEW_FLUSH_INTERVAL: '100ms' }, { features: [videoFeature] });
    try {
      const [who, viewer] = await Promise.all([owner(fast), owner(fast)]);
      const id = await insertReadyVideo(fast, who);
      const viewAs = async (token: string) => {
        const { playToken } = json(await fast.app.inject({ method: 'POST', url: `/v1/videos/${id}/views/start`, headers: bearer(token), payload: {} }));
        return json(await fast.app.inject({ method: 'POST', url: `/v1/videos/${id}/views`, payload: { playToken, watchedSeconds: 60 } })).outcome;
      };
      assert.equal(await viewAs(viewer.token), 'counted');
      assert.equal(await viewAs(viewer.token), 'duplicate');
      assert.equal(await viewAs(who.token), 'counted', 'the owner is a viewer too');
      await waitFor('view_count 2 in SQL', async () => (await storedViewCount(fast, id)) === 2);
    } finally {
      await fast.close();
    }
  });

  test('anonymous viewers are told apart by IP and anonymous id; the play token does not hold the IP', async () => {
    const id = await insertReadyVideo(t, alice);
    assert.equal(await view(id, { ip: '203.0.113.7', anonymousId: 'player-1' }), 'counted');
    assert.equal(await view(id, { ip: '203.0.113.7', anonymousId: 'player-1' }), 'duplicate');
    assert.equal(await view(id, { ip: '203.0.113.7', anonymousId: 'player-2' }), 'counted', 'another player behind the same NAT');
    assert.equal(await view(id, { ip: '198.51.100.9', anonymousId: 'player-1' }), 'counted', 'same id from another IP');
    const token = json(await start(id, { ip: '203.0.113.7', anonymousId: 'player-1' })).playToken as string;
    const decoded = Buffer.from(token.split('.')[0]!, 'base64url').toString();
    assert.ok(!decoded.includes('203.0.113.7') && !decoded.includes('player-1'), decoded);
  });

  test('a beacon reporting less than the minimum watch time is too_short and counts nothing', async () => {
    const strict = await startTestPlatform(engines, { ...env, VIDEO_VIEW_MIN_WATCH: '5s' }, { features: [videoFeature] });
    try {
      const who = await owner(strict);
      const id = await insertReadyVideo(strict, who, { durationSec: 600 });
      const started = json(await strict.app.inject({ method: 'POST', url: `/v1/videos/${id}/views/start`, headers: bearer(who.token), payload: {} }));
      assert.equal(started.requiredWatchSeconds, 5);
      const res = await strict.app.inject({ method: 'POST', url: `/v1/videos/${id}/views`, payload: { playToken: started.playToken, watchedSeconds: 4.9 } });
      assert.equal(json(res).outcome, 'too_short');
      const shortVideo = await insertReadyVideo(strict, who, { durationSec: 4 });
      const short = json(await strict.app.inject({ method: 'POST', url: `/v1/videos/${shortVideo}/views/start`, headers: bearer(who.token), payload: {} }));
      assert.equal(short.requiredWatchSeconds, 3.6, 'a video shorter than the minimum needs 90 % of it');
    } finally {
      await strict.close();
    }
  });

  test('minimum watch time: the claimed seconds must be watched and half of them must have elapsed since the start', async () => {
    let now = 1_800_000_000_000;
    const service = new ViewService(t.platform, { viewWindowMs: 3_600_000, viewMinWatchMs: 30_000, viewFlushIntervalMs: 3_600_000 }, { now: () => now });
    const id = await insertReadyVideo(t, alice, { durationSec: 600 });
    const { playToken, requiredWatchSeconds } = await service.startPlay(id, { ip: '192.0.2.1', anonymousId: 'clock' });
    assert.equal(requiredWatchSeconds, 30);
    now += 10_000;
    assert.equal(await service.endPlay(id, playToken, 30), 'too_short', '30 s claimed after 10 s of wall clock');
    now += 5_000;
    assert.equal(await service.endPlay(id, playToken, 29), 'too_short', 'under 30 s watched');
    assert.equal(await service.endPlay(id, playToken, 30), 'counted', '30 s watched in 15 s: 2× speed');
    assert.equal(await service.endPlay(id, playToken, 300), 'duplicate');
    now += 13 * 3_600_000;
    await assert.rejects(service.endPlay(id, playToken, 30), (e: any) => e.code === 'invalid_play_token', 'a 13-hour-old play token');
    await service.stop();
  });

  test('the window ends: the same viewer counts again once VIDEO_VIEW_WINDOW has passed', async () => {
    const service = new ViewService(t.platform, { viewWindowMs: 1_000, viewMinWatchMs: 0, viewFlushIntervalMs: 3_600_000 });
    const id = await insertReadyVideo(t, alice);
    const play = async () => service.endPlay(id, (await service.startPlay(id, { accountId: bob.accountId, ip: '192.0.2.1' })).playToken, 1);
    assert.equal(await play(), 'counted');
    assert.equal(await play(), 'duplicate');
    await sleep(1_100);
    assert.equal(await play(), 'counted');
    await service.stop();
  });

  test('a graceful stop writes every counted view, however long the flush interval', async () => {
    const service = new ViewService(t.platform, { viewWindowMs: 3_600_000, viewMinWatchMs: 0, viewFlushIntervalMs: 3_600_000 });
    service.start();
    const id = await insertReadyVideo(t, alice);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => service.endPlay(id, (await service.startPlay(id, { ip: '192.0.2.1', anonymousId: `p${i % 40}` })).playToken, 1)),
    );
    assert.equal(outcomes.filter((o) => o === 'counted').length, 40);
    await service.stop();
    assert.equal(await storedViewCount(t, id), 40);
  });

  test('views of one batch land in one transaction per flush, across videos and hours', async () => {
    let now = 1_800_000_000_000;
    const service = new ViewService(t.platform, { viewWindowMs: 3_600_000, viewMinWatchMs: 0, viewFlushIntervalMs: 3_600_000 }, { now: () => now });
    const ids = await Promise.all([insertReadyVideo(t, alice), insertReadyVideo(t, alice), insertReadyVideo(t, alice)]);
    for (const [n, id] of ids.entries()) {
      for (let i = 0; i <= n; i++) await service.endPlay(id, (await service.startPlay(id, { ip: '192.0.2.2', anonymousId: `h1-${i}` })).playToken, 1);
    }
    now += 3_600_000;
    await service.endPlay(ids[0]!, (await service.startPlay(ids[0]!, { ip: '192.0.2.2', anonymousId: 'h2' })).playToken, 1);
    await service.stop();
    assert.deepEqual(await Promise.all(ids.map((id) => storedViewCount(t, id))), [2, 2, 3]);
    const { videoDb } = await import('../src/db.ts');
    const buckets = await videoDb(t.platform).selectFrom('video_view_bucket').select(['bucket_start', 'views']).where('video_id', '=', ids[0]!).orderBy('bucket_start').execute();
    assert.deepEqual(buckets.map((b) => Number(b.views)), [1, 1], 'one bucket per hour');
  });

  test('unknown ids and other people’s private videos are 404; a video still processing is 409', async () => {
    assert.equal(json(await start('123456789')).error.code, 'video_not_found');
    assert.equal(json(await start('99999999999999999999')).error.code, 'video_not_found');
    const secret = await insertReadyVideo(t, alice, { visibility: 'private' });
    assert.equal((await start(secret, { token: bob.token })).statusCode, 404);
    assert.equal((await start(secret)).statusCode, 404);
    assert.equal((await start(secret, { token: alice.token })).statusCode, 200, 'the owner may watch it');
    const unlisted = await insertReadyVideo(t, alice, { visibility: 'unlisted' });
    assert.equal((await start(unlisted)).statusCode, 200, 'anyone with the id may watch an unlisted video');
    const processing = await insertReadyVideo(t, alice, { ready: false });
    const res = await start(processing, { token: alice.token });
    assert.equal(res.statusCode, 409);
    assert.equal(json(res).error.code, 'video_not_ready');
  });

  test('a forged, tampered or other video’s play token is 400 invalid_play_token', async () => {
    const a = await insertReadyVideo(t, alice);
    const b = await insertReadyVideo(t, alice);
    const token = json(await start(a, { token: bob.token })).playToken as string;
    for (const bad of ['nonsense', `${token.slice(0, -2)}xx`, `${token}.extra`]) {
      const res = await beacon(a, bad);
      assert.equal(res.statusCode, 400, bad);
      assert.equal(json(res).error.code, 'invalid_play_token');
    }
    assert.equal(json(await beacon(b, token)).error.code, 'invalid_play_token', 'a token of video a used for video b');
    assert.equal(json(await beacon('12', token)).error.code, 'invalid_play_token');
    assert.equal(json(await beacon('99999999999999999999', token)).error.code, 'video_not_found');
    const negative = await t.app.inject({ method: 'POST', url: `/v1/videos/${a}/views`, payload: { playToken: token, watchedSeconds: -1 } });
    assert.equal(json(negative).error.code, 'validation_failed');
  });
});
