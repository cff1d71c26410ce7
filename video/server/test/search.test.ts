/**
 * Search through the HTTP API on both engine sets, with the index kept by the real
 * consumer of video events: ranking, prefix, filters and sorts, paging with a signed
 * cursor, visibility (only public ready videos are ever found), a real upload found once
 * transcoded, a stale entry fixed by the update event, and `npm run reindex` run as its
 * own process while searches go on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { forEachEngineSet, json, startTestPlatform, testEngines, waitFor, type TestPlatform } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import type { VideoId } from '../src/ids.ts';
import { videoFeature } from '../src/index.ts';
import { searchIndexFor } from '../src/search/index.ts';
import { generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { foundIds, publishVideo, publishVideos, searchVideos } from './catalog-fixtures.ts';
import { listen, tusCreate, tusPatch, waitForStatus } from './helpers.ts';
import { bearer, owner, type Owner } from './views-fixtures.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

await forEachEngineSet('search', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  let bob: Owner;

  before(async () => {
    t = await startTestPlatform(engines, {}, { features: [videoFeature] });
    [alice, bob] = [await owner(t), await owner(t)];
  });
  after(() => t.close());

  /** Waits until the search for `q` finds exactly `ids` (in any order). */
  const eventuallyFinds = async (q: string, ids: string[], extra: Record<string, string | number | boolean> = {}) => {
    let last: string[] = [];
    await waitFor(`search "${q}" to find ${ids.length} videos (last: ${last.length})`, async () => {
      last = await foundIds(t, { q, ...extra });
      return last.length === ids.length && ids.every((id) => last.includes(id));
    }, 10_000);
  };

  test('ranks a title hit above a tags hit above a description hit', async () => {
    const [inDescription, inTags, inTitle] = await publishVideos(t, alice, [
      { title: 'sunday market', description: 'fresh pomegranate juice' },
      { title: 'fruit stand', tags: ['pomegranate'] },
      { title: 'Pomegranate harvest' },
    ]);
    await eventuallyFinds('pomegranate', [inDescription!, inTags!, inTitle!]);
    const { body } = await searchVideos(t, { q: 'pomegranate' });
    assert.deepEqual(body.items.map((v: any) => v.id), [inTitle, inTags, inDescription]);
    assert.ok(body.items[0].score > body.items[1].score && body.items[1].score > body.items[2].score);
    assert.equal(body.items[0].poster, `/v/${inTitle}/poster.jpg`);
  });

  test('matches prefixes for search-as-you-type, filters by duration, date and channel, sorts by date and views', async () => {
    const [short, long] = await publishVideos(t, alice, [
      { title: 'xylophone lesson', durationSec: 40 },
      { title: 'xylophone concert', durationSec: 3600 },
    ]);
    const other = await publishVideo(t, bob, { title: 'xylophone solo', durationSec: 300 });
    await eventuallyFinds('xylophone', [short!, long!, other]);
    assert.deepEqual((await foundIds(t, { q: 'xyloph', prefix: true })).sort(), [short, long, other].sort());
    assert.deepEqual(await foundIds(t, { q: 'xyloph' }), []);
    assert.deepEqual(await foundIds(t, { q: 'xylophone conc', prefix: true }), [long]);
    assert.deepEqual((await foundIds(t, { q: 'xylophone', minDurationSec: 60 })).sort(), [long, other].sort());
    assert.deepEqual(await foundIds(t, { q: 'xylophone', maxDurationSec: 60 }), [short]);
    assert.deepEqual(await foundIds(t, { q: 'xylophone', channelId: bob.channelId }), [other]);
    assert.deepEqual(await foundIds(t, { q: 'xylophone', uploadedAfter: Date.now() + 60_000 }), []);
    assert.deepEqual(await foundIds(t, { q: 'xylophone', sort: 'date' }), [other, long, short]);
    await videoDb(t.platform).updateTable('video').set({ view_count: 50 }).where('id', '=', short!).execute();
    assert.deepEqual((await foundIds(t, { q: 'xylophone', sort: 'views' }))[0], short);
  });

  test('pages with a cursor; a forged, altered or other search’s cursor is 400 invalid_cursor', async () => {
    const ids = await publishVideos(t, alice, Array.from({ length: 5 }, (_, i) => ({ title: `tapir ${i}` })));
    await eventuallyFinds('tapir', ids);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await searchVideos(t, { q: 'tapir', sort: 'date', limit: 2, ...(cursor ? { cursor } : {}) });
      assert.equal(status, 200);
      seen.push(...body.items.map((v: any) => v.id));
      cursor = body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    const first = (await searchVideos(t, { q: 'tapir', sort: 'date', limit: 2 })).body.nextCursor as string;
    const [payload, tag] = first.split('.');
    const forged = `${Buffer.from(JSON.stringify({ v: 1, s: 'anything', k: [0, '1'] })).toString('base64url')}.${tag}`;
    for (const bad of [forged, `${payload}.AAAA${tag!.slice(4)}`, 'garbage']) {
      const res = await searchVideos(t, { q: 'tapir', sort: 'date', limit: 2, cursor: bad });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_cursor');
    }
    const otherSearch = await searchVideos(t, { q: 'tapir', sort: 'relevance', limit: 2, cursor: first });
    assert.equal(otherSearch.body.error.code, 'invalid_cursor', 'a cursor is bound to its query');
  });

  test('rejects a query without words or with inverted ranges with 400 invalid_search_query', async () => {
    const queries: Record<string, string | number>[] = [{ q: '  !!  ' }, { q: 'a', minDurationSec: 10, maxDurationSec: 5 }, { q: 'a', uploadedAfter: 5, uploadedBefore: 5 }];
    for (const query of queries) {
      const res = await searchVideos(t, query);
      assert.equal(res.status, 400, JSON.stringify(query));
      assert.equal(res.body.error.code, 'invalid_search_query');
    }
    assert.equal((await searchVideos(t, { q: 'a', sort: 'random' })).body.error.code, 'validation_failed');
    assert.equal((await searchVideos(t, { q: 'a', limit: 0 })).status, 400);
  });

  test('never finds private, unlisted or unfinished videos; a visibility change or delete takes a video out', async () => {
    const [shown] = await publishVideos(t, alice, [
      { title: 'axolotl public' },
      { title: 'axolotl private', visibility: 'private' },
      { title: 'axolotl unlisted', visibility: 'unlisted' },
      { title: 'axolotl processing', ready: false },
    ]);
    await eventuallyFinds('axolotl', [shown!]);
    assert.deepEqual(await foundIds(t, { q: 'axolotl private' }), []);
    assert.deepEqual(await foundIds(t, { q: 'axolotl unlisted' }), []);
    assert.deepEqual(await foundIds(t, { q: 'axolotl processing' }), []);
    const patch = (visibility: string) => t.app.inject({ method: 'PATCH', url: `/v1/videos/${shown}`, headers: bearer(alice.token), payload: { visibility } });
    assert.equal((await patch('unlisted')).statusCode, 200);
    assert.deepEqual(await foundIds(t, { q: 'axolotl' }), [], 'hidden at once (rows are re-checked), before the event is even handled');
    assert.equal((await patch('public')).statusCode, 200);
    await eventuallyFinds('axolotl', [shown!]);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/v1/videos/${shown}`, headers: bearer(alice.token) })).statusCode, 204);
    await eventuallyFinds('axolotl', []);
    const index = searchIndexFor(t.platform.sql.db);
    await waitFor('the deleted video to leave the index', async () => (await index.search(t.platform.sql.db, { terms: ['axolotl'], prefix: false, filters: {}, sort: 'date', candidates: 1000, limit: 10 })).length === 0, 10_000);
  });

  test('an uploaded video is found once the transcoder has made it ready (its video.ready event)', async () => {
    const tmp = await makeTempDir('search');
    try {
      const bytes = await readFile(await generateSource(tmp.dir, { width: 160, height: 120, durationSec: 1, audio: false }));
      const base = await listen(t);
      const { res, url } = await tusCreate(base, { length: bytes.length, token: alice.token, metadata: { channelId: alice.channelId, title: 'Flamingo dance', filename: 'f.mp4', visibility: 'public', tags: 'birds' } });
      assert.equal(res.status, 201);
      assert.equal((await tusPatch(url!, alice.token, 0, bytes)).status, 204);
      const id = url!.slice(url!.lastIndexOf('/') + 1);
      await waitForStatus(t, alice.token, id, ['ready'], 60_000);
      await eventuallyFinds('flamingo birds', [id]);
    } finally {
      await tmp.remove();
    }
  });

  test('a stale index entry is fixed by the update event', async () => {
    const id = await publishVideo(t, alice, { title: 'capybara bath', tags: ['spa'] });
    await eventuallyFinds('capybara', [id]);
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/videos/${id}`, headers: bearer(alice.token), payload: { title: 'wombat burrow', tags: ['den'] } });
    assert.equal(res.statusCode, 200, res.body);
    await eventuallyFinds('wombat den', [id]);
    assert.deepEqual(await foundIds(t, { q: 'capybara' }), []);
    assert.deepEqual(await foundIds(t, { q: 'spa' }), []);
  });

  test('npm run reindex repairs a stale index in its own process while searches keep answering', async () => {
    const count = 120;
    const ids = await publishVideos(t, alice, Array.from({ length: count }, (_, i) => ({ title: `pangolin ${i}` })));
    const db = t.platform.sql.db;
    const index = searchIndexFor(db);
    const indexed = async () => (await index.search(db, { terms: ['pangolin'], prefix: false, filters: {}, sort: 'date', candidates: 1000, limit: 1000 })).map((h) => h.id);
    await waitFor('every pangolin indexed', async () => (await indexed()).length === count, 15_000);
    // Make the index stale as lost events would: five entries missing, one changed behind its back.
    const missing = ids.slice(0, 5) as VideoId[];
    await index.remove(db, missing);
    await videoDb(t.platform).updateTable('video').set({ title: 'pangolin renamed okapi' }).where('id', '=', ids[10]!).execute();

    const env: Record<string, string> = { ...process.env, DATA_DIR: t.platform.config.dataDir, LOG_LEVEL: 'silent', VIDEO_SEARCH_REINDEX_BATCH: '7' } as Record<string, string>;
    delete env.DATABASE_URL;
    if (engines === 'distributed') {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s;
      env.DATABASE_URL = `${testEngines.postgres}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    const child = spawn(process.execPath, ['video/server/src/search/reindex-main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let running = true;
    void exited.then(() => (running = false));

    // While it runs, every search answers, and never with fewer than the entries that were fine.
    let searches = 0;
    while (running) {
      const found = await indexed();
      assert.ok(found.length >= count - missing.length, `a search during the reindex found only ${found.length}`);
      const res = await t.app.inject({ method: 'GET', url: '/v1/search/videos?q=pangolin&limit=5' });
      assert.equal(res.statusCode, 200);
      assert.equal(json(res).items.length, 5);
      searches++;
      // Paced under the per-IP rate limit.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await exited, 0, output);
    assert.match(output, /indexed/);
    assert.ok(searches > 0);
    assert.equal((await indexed()).length, count);
    assert.deepEqual(await foundIds(t, { q: 'okapi renamed' }), [ids[10]]);
  });
});
