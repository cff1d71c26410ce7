/**
 * The catalog through the HTTP API on both engine sets: the visibility matrix (public /
 * unlisted / private × owner / other account / anonymous) for a video's detail and for
 * the listings, keyset pages with signed cursors (forged → 400), owner checks (401, 403
 * for what the caller may see, 404 for what it may not), bad input, and the outbox events
 * that metadata changes and deletes publish.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BusEvent, Consumer } from '@twin/platform/bus';
import { forEachEngineSet, json, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { videoFeature } from '../src/index.ts';
import { VIDEO_EVENT_SUBJECTS } from '../src/videos/events.ts';
import { publishVideo, publishVideos } from './catalog-fixtures.ts';
import { bearer, owner, type Owner } from './views-fixtures.ts';

await forEachEngineSet('catalog', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  let bob: Owner;
  let consumer: Consumer;
  const events: BusEvent[] = [];

  before(async () => {
    t = await startTestPlatform(engines, {}, { features: [videoFeature] });
    [alice, bob] = [await owner(t), await owner(t)];
    consumer = await t.platform.bus.consume({
      group: 'catalog-test-listener',
      subjects: [VIDEO_EVENT_SUBJECTS],
      handler: (deliveries) => {
        for (const d of deliveries) {
          events.push(d.event);
          d.ack();
        }
      },
    });
  });
  after(async () => {
    await consumer.stop();
    await t.close();
  });

  const get = (url: string, who?: Owner) => t.app.inject({ method: 'GET', url, ...(who ? { headers: bearer(who.token) } : {}) });
  const send = (method: 'PATCH' | 'DELETE', url: string, who: Owner | undefined, payload?: unknown) =>
    t.app.inject({ method, url, ...(who ? { headers: bearer(who.token) } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const eventFor = (type: string, id: string) => waitFor(`${type} for ${id}`, () => events.some((e) => e.type === type && (e.payload as { videoIds: string[] }).videoIds.includes(id)), 10_000);
  const listIds = async (url: string, who?: Owner) => {
    const res = await get(url, who);
    assert.equal(res.statusCode, 200, res.body);
    return json(res).items.map((v: { id: string }) => v.id) as string[];
  };

  test('detail follows the visibility matrix: public / unlisted / private × owner / other / anonymous', async () => {
    const [pub, unlisted, priv, processing] = await publishVideos(t, alice, [
      { title: 'public one' },
      { title: 'unlisted one', visibility: 'unlisted' },
      { title: 'private one', visibility: 'private' },
      { title: 'still processing', ready: false },
    ]);
    const expected: Array<[string, number, number, number]> = [
      [pub!, 200, 200, 200],
      [unlisted!, 200, 200, 200],
      [priv!, 200, 404, 404],
      [processing!, 200, 404, 404],
    ];
    for (const [id, asOwner, asOther, asAnonymous] of expected) {
      assert.equal((await get(`/v1/videos/${id}`, alice)).statusCode, asOwner, `owner ${id}`);
      const other = await get(`/v1/videos/${id}`, bob);
      assert.equal(other.statusCode, asOther, `other ${id}`);
      if (asOther === 404) assert.equal(json(other).error.code, 'video_not_found');
      assert.equal((await get(`/v1/videos/${id}`)).statusCode, asAnonymous, `anonymous ${id}`);
    }
    const mine = json(await get(`/v1/videos/${pub}`, alice));
    const theirs = json(await get(`/v1/videos/${pub}`));
    assert.equal(mine.filename, 'clip.mp4');
    assert.ok(mine.outputs);
    for (const field of ['filename', 'failureReason', 'failureMessage', 'sizeBytes', 'source', 'outputs']) assert.ok(!(field in theirs), `${field} is the owner's`);
    assert.equal(theirs.status, 'ready');
    assert.equal(theirs.progress, 1);
    assert.equal(theirs.durationSec, 120);
    assert.equal(theirs.viewCount, 0);
    assert.deepEqual(theirs.rungs, [{ name: '360p', width: 640, height: 360, bandwidth: 900_000 }]);
    assert.match(theirs.poster, new RegExp(`/v/${pub}/poster\\.jpg$`));
    assert.match(theirs.storyboard, /storyboard\.vtt$/);
    assert.match(theirs.playback.master, /master\.m3u8$/);
    const hidden = json(await get(`/v1/videos/${unlisted}`));
    assert.notEqual(hidden.playback.master, `/v/${unlisted}/hls/master.m3u8`, 'an unlisted video plays through a signed URL');
    const unfinished = json(await get(`/v1/videos/${processing}`, alice));
    assert.equal(unfinished.status, 'processing');
    assert.equal(unfinished.playback, null);
    assert.deepEqual(unfinished.rungs, []);
  });

  test('listings show the owner every video of a channel and everyone else only public ready ones', async () => {
    const carol = await owner(t);
    const [pub, unlisted, priv, processing] = await publishVideos(t, carol, [
      { title: 'a' },
      { title: 'b', visibility: 'unlisted' },
      { title: 'c', visibility: 'private' },
      { title: 'd', ready: false },
    ]);
    const channel = `/v1/channels/${carol.channelId}/videos`;
    assert.deepEqual(await listIds(channel, carol), [processing, priv, unlisted, pub]);
    assert.deepEqual(await listIds(channel, bob), [pub]);
    assert.deepEqual(await listIds(channel), [pub]);
    const latest = await listIds('/v1/videos?limit=100');
    assert.ok(latest.includes(pub!));
    for (const id of [unlisted, priv, processing]) assert.ok(!latest.includes(id!), `${id} is not public and ready`);
    const item = json(await get(channel, carol)).items.find((v: any) => v.id === pub);
    assert.equal(item.poster, `/v/${pub}/poster.jpg`);
    assert.equal(json(await get(channel, carol)).items.find((v: any) => v.id === priv).poster, null, 'a non-public poster needs the signed links of the detail');
    assert.equal((await get('/v1/channels/123/videos')).statusCode, 404);
  });

  test('pages listings by keyset, newest first; a forged, altered or other listing’s cursor is 400 invalid_cursor', async () => {
    const dave = await owner(t);
    const ids = await publishVideos(t, dave, Array.from({ length: 5 }, (_, i) => ({ title: `page ${i}` })));
    const pages: string[][] = [];
    let cursor: string | null = null;
    let firstCursor = '';
    do {
      const res = await get(`/v1/channels/${dave.channelId}/videos?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      pages.push(json(res).items.map((v: any) => v.id));
      cursor = json(res).nextCursor;
      firstCursor ||= cursor ?? '';
    } while (cursor);
    assert.deepEqual(pages, [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);

    const latest: string[] = [];
    cursor = null;
    do {
      const res = await get(`/v1/videos?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      latest.push(...json(res).items.map((v: any) => v.id));
      cursor = json(res).nextCursor;
    } while (cursor);
    assert.equal(new Set(latest).size, latest.length, 'no repeats');
    assert.deepEqual(latest.filter((id) => ids.includes(id as never)), [...ids].reverse());
    assert.deepEqual([...latest].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)), latest, 'newest first');

    const [body, tag] = firstCursor.split('.');
    const forged = `${Buffer.from(JSON.stringify({ v: 1, s: `channel-videos:${dave.channelId}`, k: ['1'] })).toString('base64url')}.${tag}`;
    for (const [url, bad] of [
      [`/v1/channels/${dave.channelId}/videos`, forged],
      [`/v1/channels/${dave.channelId}/videos`, `${body}x.${tag}`],
      [`/v1/channels/${dave.channelId}/videos`, 'not-a-cursor'],
      ['/v1/videos', firstCursor],
      [`/v1/channels/${alice.channelId}/videos`, firstCursor],
    ] as const) {
      const res = await get(`${url}?cursor=${encodeURIComponent(bad)}`);
      assert.equal(res.statusCode, 400, `${url} ${bad}`);
      assert.equal(json(res).error.code, 'invalid_cursor');
    }
  });

  test('the owner changes metadata and visibility; each change publishes its event', async () => {
    const id = await publishVideo(t, alice, { title: 'old title', tags: ['x'] });
    const res = await send('PATCH', `/v1/videos/${id}`, alice, { title: '  new title ', description: 'about it', tags: ['cats', 'cats', 'funny'] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([json(res).title, json(res).description, json(res).tags], ['new title', 'about it', ['cats', 'funny']]);
    await eventFor('video.updated', id);
    assert.equal(json(await send('PATCH', `/v1/videos/${id}`, alice, { visibility: 'private' })).visibility, 'private');
    await eventFor('video.visibility_changed', id);
    const change = events.find((e) => e.type === 'video.visibility_changed' && (e.payload as any).videoIds.includes(id))!;
    assert.deepEqual([(change.payload as any).from, (change.payload as any).to], ['public', 'private']);
    assert.equal(change.subject.endsWith('video.catalog.visibility_changed'), true);
    assert.equal((await get(`/v1/videos/${id}`, bob)).statusCode, 404, 'private now');
    assert.equal(json(await get(`/v1/videos/${id}`, alice)).title, 'new title');
  });

  test('changes need the owner: 401 anonymous, 403 video_not_owned when visible, 404 when not; bad input 400', async () => {
    const [pub, priv] = await publishVideos(t, alice, [{ title: 'guarded' }, { title: 'guarded private', visibility: 'private' }]);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const payload = method === 'PATCH' ? { title: 'hijacked' } : undefined;
      assert.equal((await send(method, `/v1/videos/${pub}`, undefined, payload)).statusCode, 401);
      const forbidden = await send(method, `/v1/videos/${pub}`, bob, payload);
      assert.equal(forbidden.statusCode, 403);
      assert.equal(json(forbidden).error.code, 'video_not_owned');
      assert.equal(json(await send(method, `/v1/videos/${priv}`, bob, payload)).error.code, 'video_not_found');
      assert.equal((await send(method, '/v1/videos/4242424242', alice, payload)).statusCode, 404);
      assert.equal((await send(method, '/v1/videos/abc', alice, payload)).statusCode, 400);
    }
    for (const payload of [{}, { title: '' }, { title: '   ' }, { title: 'x'.repeat(201) }, { visibility: 'secret' }, { tags: Array.from({ length: 31 }, (_, i) => `t${i}`) }, { tags: [''] }, { owner: 'me' }, { description: 'x'.repeat(5001) }]) {
      const res = await send('PATCH', `/v1/videos/${pub}`, alice, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(json(res).error.code, 'validation_failed');
    }
    assert.equal(json(await get(`/v1/videos/${pub}`, alice)).title, 'guarded');
  });

  test('deleting a video removes it and its files, publishes video.deleted, and a second delete is 404', async () => {
    const id = await publishVideo(t, alice, { title: 'doomed' });
    await t.platform.blob.put(`videos/${id}/poster.jpg`, Buffer.from('jpeg'), { contentType: 'image/jpeg' });
    assert.equal((await send('DELETE', `/v1/videos/${id}`, alice)).statusCode, 204);
    assert.equal((await get(`/v1/videos/${id}`, alice)).statusCode, 404);
    await eventFor('video.deleted', id);
    await waitFor('the video files to be deleted', async () => (await t.platform.blob.list(`videos/${id}/`)).keys.length === 0, 10_000);
    assert.equal((await send('DELETE', `/v1/videos/${id}`, alice)).statusCode, 404);
  });

  test('anyone reads a channel; only its owner renames or deletes it, and deleting it deletes its videos', async () => {
    const erin = await owner(t);
    const ids = await publishVideos(t, erin, [{ title: 'one' }, { title: 'two', visibility: 'private' }]);
    const channel = `/v1/channels/${erin.channelId}`;
    const read = json(await get(channel));
    assert.deepEqual([read.id, read.ownerId, read.name], [erin.channelId, erin.accountId, 'My channel']);
    const forbidden = await send('PATCH', channel, bob, { name: 'mine now' });
    assert.equal(forbidden.statusCode, 403);
    assert.equal(json(forbidden).error.code, 'channel_not_owned');
    assert.equal((await send('PATCH', channel, undefined, { name: 'x' })).statusCode, 401);
    assert.equal((await send('PATCH', channel, erin, {})).statusCode, 400);
    assert.equal((await send('PATCH', channel, erin, { name: '' })).statusCode, 400);
    assert.equal(json(await send('PATCH', channel, erin, { name: 'Renamed', description: 'hello' })).name, 'Renamed');
    assert.equal(json(await get(channel)).description, 'hello');
    assert.equal(json(await send('PATCH', '/v1/channels/777', erin, { name: 'x' })).error.code, 'channel_not_found');
    assert.equal((await send('DELETE', channel, bob)).statusCode, 403);
    assert.equal((await send('DELETE', channel, erin)).statusCode, 204);
    assert.equal((await get(channel)).statusCode, 404);
    assert.equal((await get(`${channel}/videos`, erin)).statusCode, 404);
    for (const id of ids) {
      assert.equal((await get(`/v1/videos/${id}`, erin)).statusCode, 404);
      await eventFor('video.deleted', id);
    }
  });
});
