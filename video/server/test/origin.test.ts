/**
 * The playback origin on both engine sets (blob store: local directory, then S3 through
 * s3rver), over a real socket, on a real HLS output: a player's walk from the master to
 * every segment, the Range / ETag / 304 / 416 matrix, HEAD, CORS, the signed URL matrix
 * (valid, expired, tampered, other video, none) per visibility, and the 404s of unknown,
 * unready, deleted videos and missing files — each in the error envelope.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import { videoFeature } from '../src/index.ts';
import type { VideoId } from '../src/ids.ts';
import { signedBase } from '../src/playback/index.ts';
import { listen } from './helpers.ts';
import { hlsFiles, insertPlayableVideo, makeHlsFixture, PLAYBACK_SECRET, playlistUris, type HlsFixture } from './origin-fixtures.ts';
import { bearer, insertReadyVideo, owner, type Owner } from './views-fixtures.ts';

let fixture: HlsFixture;
before(async () => {
  fixture = await makeHlsFixture();
});
after(() => fixture.remove());

const envelope = async (res: Response) => (await res.json()) as { error: { code: string; requestId: string } };
const nowSec = () => Math.floor(Date.now() / 1000);

await forEachEngineSet('origin', (engines) => {
  let t: TestPlatform;
  let base: string;
  let alice: Owner;
  let bob: Owner;
  before(async () => {
    t = await startTestPlatform(engines, { VIDEO_PLAYBACK_SECRET: PLAYBACK_SECRET, VIDEO_ORIGIN_LOOKUP_CACHE: '0s', VIDEO_PLAYLIST_MAX_AGE: '20s', VIDEO_EDGE_CACHE_TTL: '2m', VIDEO_TRENDING_INTERVAL: '1h' }, { features: [videoFeature] });
    base = await listen(t);
    [alice, bob] = await Promise.all([owner(t), owner(t)]);
  });
  after(() => t.close());

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${base}${path}`, { method, headers });
  const blobBytes = async (key: string) => Buffer.from(await (await t.platform.blob.get(key)).body.toArray().then((chunks) => Buffer.concat(chunks)));
  const detail = async (token: string, id: string) => json(await t.app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: bearer(token) }));

  /** Fetches the master at `masterUrl` and everything it leads to, as a player would; returns each absolute URL with its response. */
  const walk = async (masterUrl: string) => {
    const seen = new Map<string, Response>();
    const queue = [new URL(masterUrl, base).toString()];
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      const res = await fetch(url);
      seen.set(url, res);
      assert.equal(res.status, 200, `${url}: ${res.status}`);
      if (url.endsWith('.m3u8')) for (const uri of playlistUris(await res.text())) queue.push(new URL(uri, url).toString());
      else await res.arrayBuffer();
    }
    return seen;
  };

  test('a player walks a public video from the master to every segment, byte for byte, with playlist and segment caching', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const seen = await walk(`/v/${id}/hls/master.m3u8`);
    assert.equal(seen.size, (await hlsFiles(fixture)).length, 'every file of the output is reachable from the master');
    for (const [url, res] of seen) {
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.match(res.headers.get('etag')!, /^"[^"]+"$/, 'a strong etag');
      assert.ok(!Number.isNaN(Date.parse(res.headers.get('last-modified')!)));
      if (url.endsWith('.m3u8')) {
        assert.equal(res.headers.get('cache-control'), 'public, max-age=20', url);
        assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
        assert.equal(res.headers.get('x-accel-expires'), null);
      } else {
        assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', url);
        assert.equal(res.headers.get('x-accel-expires'), '120');
      }
    }
    const segment = [...seen.keys()].find((u) => u.endsWith('.m4s'))!;
    const key = `videos/${id}/${segment.slice(segment.indexOf(`/v/${id}/`) + `/v/${id}/`.length)}`;
    assert.deepEqual(Buffer.from(await (await fetch(segment)).arrayBuffer()), await blobBytes(key));

    for (const path of ['poster.jpg', `storyboard/${fixture.vtt}`, `storyboard/${fixture.sprite}`]) {
      const res = await get(`/v/${id}/${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), await blobBytes(`videos/${id}/${path}`));
    }
    assert.equal((await get(`/v/${id}/poster.jpg`)).headers.get('content-type'), 'image/jpeg');
  });

  test('Range, ETag, 304, 416 and HEAD on a segment', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const file = (await hlsFiles(fixture)).find((f) => f.endsWith('.m4s'))!;
    const path = `/v/${id}/hls/${file}`;
    const whole = await blobBytes(`videos/${id}/hls/${file}`);
    const size = whole.length;
    const plain = await get(path);
    const etag = plain.headers.get('etag')!;
    const lastModified = plain.headers.get('last-modified')!;
    assert.equal(plain.headers.get('content-length'), String(size));
    await plain.arrayBuffer();

    const ranged = async (range: string, start: number, end: number, extra: Record<string, string> = {}) => {
      const res = await get(path, { range, ...extra });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`);
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.equal(res.headers.get('etag'), etag);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), whole.subarray(start, end + 1), range);
    };
    await ranged('bytes=0-99', 0, 99);
    await ranged('bytes=100-', 100, size - 1);
    await ranged('bytes=-50', size - 50, size - 1);
    await ranged(`bytes=10-${size + 1000}`, 10, size - 1);
    await ranged('bytes=0-9', 0, 9, { 'if-range': etag });

    const unsatisfiable = await get(path, { range: `bytes=${size}-` });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers.get('content-range'), `bytes */${size}`);
    assert.equal((await envelope(unsatisfiable)).error.code, 'range_not_satisfiable');

    for (const [headers, why] of [
      [{ range: 'bytes=0-9', 'if-range': '"an-older-version"' }, 'If-Range of another version'],
      [{ range: 'bytes=0-9,20-29' }, 'several ranges'],
      [{ range: 'bytes=9-0' }, 'a malformed range'],
    ] as const) {
      const res = await get(path, headers);
      assert.equal(res.status, 200, why);
      assert.equal((await res.arrayBuffer()).byteLength, size, why);
    }

    for (const headers of [{ 'if-none-match': etag }, { 'if-none-match': `"x", W/${etag}` }, { 'if-modified-since': lastModified }] as Record<string, string>[]) {
      const res = await get(path, headers);
      assert.equal(res.status, 304, JSON.stringify(headers));
      assert.equal(res.headers.get('etag'), etag);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    assert.equal((await get(path, { 'if-none-match': '"stale"' })).status, 200);
    assert.equal((await get(path, { 'if-modified-since': new Date(Date.parse(lastModified) - 10_000).toUTCString() })).status, 200);

    const head = await get(path, { range: 'bytes=0-9' }, 'HEAD');
    assert.equal(head.status, 200, 'HEAD ignores Range');
    assert.equal(head.headers.get('content-length'), String(size));
    assert.equal(head.headers.get('etag'), etag);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    assert.equal((await get(path, { 'if-none-match': etag }, 'HEAD')).status, 304);
  });

  test('a rewritten master (a caption added) is served with its new etag at once', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const path = `/v/${id}/hls/master.m3u8`;
    const first = await get(path);
    const etag = first.headers.get('etag')!;
    const original = await first.text();
    const rewritten = `${original}#EXT-X-INDEPENDENT-SEGMENTS\n`;
    await t.platform.blob.put(`videos/${id}/hls/master.m3u8`, Buffer.from(rewritten), { contentType: 'application/vnd.apple.mpegurl' });
    const again = await get(path, { 'if-none-match': etag });
    assert.equal(again.status, 200);
    assert.notEqual(again.headers.get('etag'), etag);
    assert.equal(await again.text(), rewritten);
  });

  test('signed URLs: the owner’s detail gives one token for every file of an unlisted or private video; tampered, expired, other-video and missing tokens are refused', async () => {
    const unlisted = await insertPlayableVideo(t, alice, fixture, 'unlisted');
    const priv = await insertPlayableVideo(t, alice, fixture, 'private');
    const other = await insertPlayableVideo(t, bob, fixture, 'unlisted');
    for (const id of [unlisted, priv]) {
      const { playback } = await detail(alice.token, id);
      const prefix = new RegExp(`^/v/${id}/(\\d+)/[A-Za-z0-9_-]{22}/`);
      assert.match(playback.master, new RegExp(`${prefix.source}hls/master\\.m3u8$`));
      assert.match(playback.poster, new RegExp(`${prefix.source}poster\\.jpg$`));
      assert.match(playback.storyboard, new RegExp(`${prefix.source}storyboard/${fixture.vtt}$`));
      const expires = Number(prefix.exec(playback.master)![1]);
      assert.equal(playback.expiresAt, expires * 1000);
      assert.ok(expires * 1000 >= Date.now() + 6 * 3_600_000 && expires % 600 === 0, 'the default TTL, rounded up to 10 minutes');

      const seen = await walk(playback.master);
      assert.equal(seen.size, (await hlsFiles(fixture)).length, 'relative URIs keep the token all the way down');
      assert.equal((await get(playback.poster)).status, 200);

      const unsigned = await get(`/v/${id}/hls/master.m3u8`);
      if (id === priv) {
        assert.equal(unsigned.status, 404, 'a private video without a token does not exist');
        assert.equal((await envelope(unsigned)).error.code, 'video_not_found');
      } else {
        assert.equal(unsigned.status, 403);
        assert.equal((await envelope(unsigned)).error.code, 'playback_token_required');
      }
      const tamperedSig = playback.master.replace(/\/([A-Za-z0-9_-])([A-Za-z0-9_-]{21})\//, (_m: string, c: string, r: string) => `/${c === 'A' ? 'B' : 'A'}${r}/`);
      const longerLife = playback.master.replace(`/${expires}/`, `/${expires + 86_400}/`);
      const otherVideos = (await detail(bob.token, other)).playback.master.replace(`/v/${other}/`, `/v/${id}/`);
      const expired = `${signedBase(PLAYBACK_SECRET, id as VideoId, nowSec() - 1)}hls/master.m3u8`;
      for (const [url, code] of [
        [tamperedSig, 'playback_token_invalid'],
        [longerLife, 'playback_token_invalid'],
        [otherVideos, 'playback_token_invalid'],
        [expired, 'playback_token_expired'],
      ] as const) {
        const res = await get(url);
        assert.equal(res.status, 403, url);
        assert.equal(res.headers.get('access-control-allow-origin'), '*', 'errors are readable by the player');
        assert.equal((await envelope(res)).error.code, code, url);
      }
    }
    // A public video plays without a token, and with one too.
    const pub = await insertPlayableVideo(t, bob, fixture, 'public');
    const pubDetail = (await detail(bob.token, pub)).playback;
    assert.equal(pubDetail.master, `/v/${pub}/hls/master.m3u8`);
    assert.equal(pubDetail.expiresAt, null);
    assert.equal((await get(`${signedBase(PLAYBACK_SECRET, pub, nowSec() + 60)}hls/master.m3u8`)).status, 200);
  });

  test('unknown, unready and deleted videos and missing files are 404 in the error envelope; unready videos have no playback links', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const processing = await insertReadyVideo(t, alice, { ready: false });
    assert.equal((await detail(alice.token, processing)).playback, null);
    const cases: Array<[string, number, string]> = [
      [`/v/${id}/hls/nope.m3u8`, 404, 'video_file_not_found'],
      [`/v/${id}/hls`, 404, 'video_file_not_found'],
      [`/v/${id}/hls/..%2F..%2Fx`, 404, 'video_file_not_found'],
      ['/v/12345/hls/master.m3u8', 404, 'video_not_found'],
      [`/v/${processing}/hls/master.m3u8`, 404, 'video_not_found'],
      ['/v/not-an-id/hls/master.m3u8', 400, 'validation_failed'],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path);
      assert.equal(res.status, status, path);
      const body = await envelope(res);
      assert.equal(body.error.code, code, path);
      assert.ok(body.error.requestId);
    }
    await videoDb(t.platform).deleteFrom('video').where('id', '=', id).execute();
    const gone = await get(`/v/${id}/hls/master.m3u8`);
    assert.equal(gone.status, 404);
    assert.equal((await envelope(gone)).error.code, 'video_not_found');
  });

  test('answers the CORS preflight a player’s Range or If-None-Match triggers', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const res = await fetch(`${base}/v/${id}/hls/master.m3u8`, { method: 'OPTIONS', headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods')!, /GET/);
    assert.match(res.headers.get('access-control-allow-headers')!, /range/);
    assert.match((await get(`/v/${id}/hls/master.m3u8`)).headers.get('access-control-expose-headers')!, /content-range/);
  });

  test('streams a file of several MiB whole and by a range deep inside it', async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    await t.platform.blob.put(`videos/${id}/hls/big.m4s`, big, { contentType: 'video/iso.segment' });
    const res = await get(`/v/${id}/hls/big.m4s`);
    assert.equal(res.headers.get('content-length'), String(big.length));
    let received = 0;
    for await (const chunk of res.body!) received += (chunk as Uint8Array).byteLength;
    assert.equal(received, big.length);
    const ranged = await get(`/v/${id}/hls/big.m4s`, { range: 'bytes=5000000-5000009' });
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), big.subarray(5_000_000, 5_000_010));
  });
});
