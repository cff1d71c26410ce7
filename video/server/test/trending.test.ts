/**
 * Trending on a synthetic timeline, on both engine sets: views are recorded through the
 * real view path at injected times (days apart, no sleeping), written behind to SQL, and
 * the list is recomputed as of injected instants. Checks decay ordering, that only public
 * ready videos are listed, paging with the opaque cursor, and forged cursors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import type { VideoId } from '../src/ids.ts';
import { videoFeature } from '../src/index.ts';
import { TrendingService } from '../src/trending/service.ts';
import { ViewService } from '../src/views/service.ts';
import { insertReadyVideo, owner, type Owner } from './views-fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The feature's own flusher and recompute stay out of the way: this test drives both itself.
const env = { VIDEO_VIEW_FLUSH_INTERVAL: '1h', VIDEO_TRENDING_INTERVAL: '1h', VIDEO_VIEW_MIN_WATCH: '0ms' };
const settings = { trendingHalfLifeMs: DAY, trendingIntervalMs: HOUR, trendingSize: 1000 };

await forEachEngineSet('trending', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  // Weeks ahead of the wall clock, so every recompute here is newer than the feature's own (generation = now).
  const t0 = Math.ceil((Date.now() + 30 * DAY) / HOUR) * HOUR;
  let now = t0;
  let views: ViewService;
  let trending: TrendingService;
  let viewer = 0;

  before(async () => {
    t = await startTestPlatform(engines, env, { features: [videoFeature] });
    alice = await owner(t);
    views = new ViewService(t.platform, { viewWindowMs: HOUR, viewMinWatchMs: 0, viewFlushIntervalMs: HOUR }, { now: () => now });
    trending = new TrendingService(t.platform, settings, { now: () => now });
  });
  after(async () => {
    await views.stop();
    await t.close();
  });

  /** `count` views of `id` from distinct anonymous viewers at time `at`. */
  const viewsAt = async (id: VideoId, count: number, at: number) => {
    now = at;
    await Promise.all(
      Array.from({ length: count }, async () => {
        const { playToken } = await views.startPlay(id, { ip: '192.0.2.1', anonymousId: `viewer-${viewer++}` });
        assert.equal(await views.endPlay(id, playToken, 1), 'counted');
      }),
    );
  };
  const listed = async (o: { limit?: number; cursor?: string } = {}) => {
    const query = new URLSearchParams({ limit: String(o.limit ?? 20), ...(o.cursor ? { cursor: o.cursor } : {}) });
    const res = await t.app.inject({ method: 'GET', url: `/v1/videos/trending?${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return json(res) as { items: Array<{ id: string; score: number; viewCount: number; poster: string | null }>; nextCursor: string | null };
  };

  test('recent views outrank a bigger but older pile; private, unfinished and removed videos are left out', async () => {
    const [old, fresh, steady, secret, unready] = await Promise.all([
      insertReadyVideo(t, alice, { title: 'old hit' }),
      insertReadyVideo(t, alice, { title: 'fresh' }),
      insertReadyVideo(t, alice, { title: 'steady' }),
      insertReadyVideo(t, alice, { title: 'secret' }),
      insertReadyVideo(t, alice, { title: 'unready' }),
    ]);
    await viewsAt(old, 100, t0 - 3 * DAY);
    await viewsAt(steady, 5, t0 - 3 * DAY);
    await viewsAt(steady, 10, t0 - 2 * HOUR);
    await viewsAt(fresh, 20, t0 - HOUR);
    await viewsAt(secret, 500, t0 - HOUR);
    await viewsAt(unready, 500, t0 - HOUR);
    await views.writeBehind.flush();
    const db = videoDb(t.platform);
    await db.updateTable('video').set({ visibility: 'private' }).where('id', '=', secret).execute();
    await db.updateTable('video').set({ status: 'failed' }).where('id', '=', unready).execute();

    // Three days ago, just after the old hit's burst: it leads, the later views do not exist yet.
    assert.equal(await trending.recompute(t0 - 3 * DAY + HOUR), 2);
    assert.deepEqual((await listed()).items.map((i) => i.id), [old, steady]);

    // Now: 100 views three half-lives old weigh ~12.6, 20 fresh ones ~19.7, and 10 + 5 old ones ~10.4
    // (each hour's views are aged from the middle of their hour).
    await trending.recompute(t0);
    const page = await listed();
    assert.deepEqual(page.items.map((i) => i.id), [fresh, old, steady]);
    const score = (id: string) => page.items.find((i) => i.id === id)!.score;
    assert.ok(Math.abs(score(fresh) - 20 * 2 ** -(0.5 / 24)) < 1e-6, `fresh ${score(fresh)}`);
    assert.ok(Math.abs(score(old) - 100 * 2 ** -(71.5 / 24)) < 1e-6, `old ${score(old)}`);
    assert.deepEqual(page.items.map((i) => i.viewCount), [20, 100, 15]);
    assert.equal(page.items[0]!.poster, `/v/${fresh}/poster.jpg`);

    // A week on, with no new views, decay keeps the order; a video made private since the recompute drops out at once.
    await trending.recompute(t0 + 7 * DAY);
    assert.deepEqual((await listed()).items.map((i) => i.id), [fresh, old, steady]);
    await db.updateTable('video').set({ visibility: 'unlisted' }).where('id', '=', old).execute();
    assert.deepEqual((await listed()).items.map((i) => i.id), [fresh, steady]);
    await db.updateTable('video').set({ visibility: 'public' }).where('id', '=', old).execute();
  });

  test('pages follow the cursor through one generation even when a newer list is published meanwhile', async () => {
    const whole = (await listed()).items.map((i) => i.id);
    assert.equal(whole.length, 3);
    const first = await listed({ limit: 2 });
    assert.ok(first.nextCursor);
    // Eight days on, the old hit's views are past ten half-lives: the new list drops it, the cursor's does not.
    await trending.recompute(t0 + 8 * DAY);
    assert.equal((await listed()).items.length, 2);
    const second = await listed({ limit: 2, cursor: first.nextCursor! });
    assert.deepEqual([...first.items, ...second.items].map((i) => i.id), whole);
    assert.equal(second.nextCursor, null);
  });

  test('a late or older recompute never replaces a newer list', async () => {
    const before = (await listed()).items.map((i) => i.id);
    const fresh = await insertReadyVideo(t, alice);
    await viewsAt(fresh, 50, t0 + 8 * DAY);
    await views.writeBehind.flush();
    await trending.recompute(t0 + 8 * DAY - HOUR);
    assert.deepEqual((await listed()).items.map((i) => i.id), before);
    await trending.recompute(t0 + 8 * DAY + HOUR);
    assert.equal((await listed()).items[0]!.id, fresh);
  });

  test('buckets older than ten half-lives are pruned by the recompute', async () => {
    const stale = await insertReadyVideo(t, alice);
    await viewsAt(stale, 3, t0 - 30 * DAY);
    await views.writeBehind.flush();
    const buckets = () => videoDb(t.platform).selectFrom('video_view_bucket').select('views').where('video_id', '=', stale).execute();
    assert.equal((await buckets()).length, 1);
    await trending.recompute(t0 + 9 * DAY);
    assert.equal((await buckets()).length, 0);
  });

  test('forged, tampered or other listings’ cursors are 400 invalid_cursor', async () => {
    const { nextCursor } = await listed({ limit: 1 });
    const other = t.platform.cursors.encode('channel-videos:1', [1, 2]);
    for (const cursor of ['garbage', `${nextCursor!.slice(0, -3)}abc`, other]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/videos/trending?cursor=${encodeURIComponent(cursor)}` });
      assert.equal(res.statusCode, 400, cursor);
      assert.equal(json(res).error.code, 'invalid_cursor');
    }
    const retired = t.platform.cursors.encode('video-trending', [12345, 1]);
    assert.match(json(await t.app.inject({ method: 'GET', url: `/v1/videos/trending?cursor=${retired}` })).error.message, /replaced/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/videos/trending?limit=0' })).statusCode, 400);
  });
});
