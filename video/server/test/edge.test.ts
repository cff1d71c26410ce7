/**
 * The nginx edge of deploy/nginx, for real: nginx started on a free port with the
 * rendered edge.conf.template in front of a real origin, on both engine sets (blob store:
 * local directory, then S3 through s3rver). A segment is a MISS then a HIT, for any token
 * of the video (the cache key has none); bad tokens end at the edge with 403 (the origin's
 * request counter does not move); an unsigned request never sees what a token cached;
 * Range works on a miss and on a hit; a large file's body sits on a page boundary of its
 * cache file (the origin pads for it); a tus upload streams through; limit_req answers 429.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { freePort, renderEdgeConfig, startNginx, type RunningNginx } from '../../../deploy/nginx/edge.ts';
import { videoFeature } from '../src/index.ts';
import type { VideoId } from '../src/ids.ts';
import { signedBase } from '../src/playback/index.ts';
import { listen, tusCreate, tusOffset, tusPatch, uploadId, waitForStatus } from './helpers.ts';
import { hlsFiles, insertPlayableVideo, makeHlsFixture, PLAYBACK_SECRET, type HlsFixture } from './origin-fixtures.ts';
import { bearer, owner, type Owner } from './views-fixtures.ts';

let fixture: HlsFixture;
let segment: string;
before(async () => {
  fixture = await makeHlsFixture();
  segment = (await hlsFiles(fixture)).find((f) => f.endsWith('.m4s'))!;
});
after(() => fixture.remove());

const nowSec = () => Math.floor(Date.now() / 1000);
// Off CI a machine without nginx skips these visibly; on CI (which installs it) they fail instead.
const skip = process.env.CI !== 'true' && spawnSync('nginx', ['-v']).error ? 'nginx is not installed' : false;

await forEachEngineSet('edge', (engines) => {
  let t: TestPlatform;
  let edge: RunningNginx;
  let originPort: number;
  let alice: Owner;
  before(async () => {
    if (skip) return;
    t = await startTestPlatform(engines, { VIDEO_PLAYBACK_SECRET: PLAYBACK_SECRET, VIDEO_ORIGIN_LOOKUP_CACHE: '0s', VIDEO_TRENDING_INTERVAL: '1h' }, { features: [videoFeature] });
    originPort = Number(new URL(await listen(t)).port);
    const port = await freePort();
    edge = await startNginx(await renderEdgeConfig({ listen: `127.0.0.1:${port}`, origins: [`127.0.0.1:${originPort}`], playbackSecret: PLAYBACK_SECRET, workers: 1, cacheMaxSize: '256m' }), port);
    alice = await owner(t);
  });
  after(async () => {
    await edge?.stop();
    await t?.close();
  });

  const viaEdge = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${edge.url}${path}`, { method, headers });
  const blobBytes = async (key: string) => Buffer.concat(await (await t.platform.blob.get(key)).body.toArray());
  /** Requests the origin has answered on its playback route, from its own /metrics. */
  const countOriginRequests = async () => {
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    return metrics
      .split('\n')
      .filter((line) => line.startsWith('http_requests_total{') && line.includes('route="/v/:id/*"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };
  /** The count once the origin has recorded what it already sent (it counts a response after its last byte left, maybe after nginx passed it on). */
  const originPlaybackRequests = async () => {
    for (let last = -1; ; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const now = await countOriginRequests();
      if (now === last) return now;
      last = now;
    }
  };

  test('a public segment is a MISS, then a HIT served from the edge without reaching the origin', { skip }, async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const path = `/v/${id}/hls/${segment}`;
    const bytes = await blobBytes(`videos/${id}/hls/${segment}`);
    const first = await viaEdge(path);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), bytes);
    assert.equal(first.headers.get('x-accel-expires'), null, 'the edge keeps its own lifetime to itself');
    const before = await originPlaybackRequests();
    const second = await viaEdge(path);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-cache-status'), 'HIT');
    assert.equal(second.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(second.headers.get('access-control-allow-origin'), '*');
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
    assert.equal(second.headers.get('x-request-id'), null, 'no replay of the request id that filled the cache');
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), bytes);
    assert.equal((await viaEdge(path, { 'if-none-match': first.headers.get('etag')! })).status, 304, 'the edge answers revalidations itself');
    assert.equal(await originPlaybackRequests(), before);
  });

  test('signed URLs: checked at the edge, cached without the token, and never served to an unsigned request', { skip }, async () => {
    const id = await insertPlayableVideo(t, alice, fixture, 'unlisted');
    const { playback } = json(await t.app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: bearer(alice.token) }));
    const hls = playback.master.replace(/master\.m3u8$/, '');
    const first = await viaEdge(`${hls}${segment}`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    await first.arrayBuffer();
    // Another viewer's token (another expiry) shares the cached copy.
    const otherToken = `${signedBase(PLAYBACK_SECRET, id, nowSec() + 3_600)}hls/${segment}`;
    const second = await viaEdge(otherToken);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-cache-status'), 'HIT');
    await second.arrayBuffer();

    const unsigned = await viaEdge(`/v/${id}/hls/${segment}`);
    assert.equal(unsigned.status, 403, 'the origin refuses it; no cached copy answered');
    assert.equal(((await unsigned.json()) as any).error.code, 'playback_token_required');

    const before = await originPlaybackRequests();
    const other = await insertPlayableVideo(t, alice, fixture, 'unlisted');
    const expires = nowSec() + 600;
    const sig = signedBase(PLAYBACK_SECRET, id, expires).split('/')[4]!;
    const tampered = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    for (const [path, code] of [
      [`/v/${id}/${expires}/${tampered}/hls/${segment}`, 'playback_token_invalid'],
      [`/v/${id}/${expires + 1}/${sig}/hls/${segment}`, 'playback_token_invalid'],
      [`${signedBase(PLAYBACK_SECRET, other, expires)}hls/${segment}`.replace(`/v/${other}/`, `/v/${id}/`), 'playback_token_invalid'],
      [`${signedBase('another-secret-0123456789abcdefghijkl', id, expires)}hls/${segment}`, 'playback_token_invalid'],
      [`${signedBase(PLAYBACK_SECRET, id, nowSec() - 5)}hls/${segment}`, 'playback_token_expired'],
    ] as const) {
      const res = await viaEdge(path);
      assert.equal(res.status, 403, path);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const body = (await res.json()) as any;
      assert.equal(body.error.code, code, path);
      assert.ok(body.error.requestId);
    }
    assert.equal(await originPlaybackRequests(), before, 'refused at the edge: the origin never saw them');
  });

  test('a large file’s body starts on a page boundary of its cache file, for public and signed keys, and the pad never reaches a client', { skip }, async () => {
    const cacheFiles = async () => {
      const files = await readdir(join(edge.prefix, 'cache'), { recursive: true, withFileTypes: true });
      return Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name))));
    };
    for (const visibility of ['public', 'unlisted'] as const) {
      const id = await insertPlayableVideo(t, alice, fixture, visibility);
      const bytes = randomBytes(300_000 + (visibility === 'public' ? 0 : 12_345));
      await t.platform.blob.put(`videos/${id}/hls/720p/long-segment-name-${visibility}.m4s`, bytes, { contentType: 'video/iso.segment' });
      const path = `${visibility === 'public' ? `/v/${id}/` : signedBase(PLAYBACK_SECRET, id, nowSec() + 600)}hls/720p/long-segment-name-${visibility}.m4s`;
      for (const expected of ['MISS', 'HIT']) {
        const res = await viaEdge(path);
        assert.equal(res.headers.get('x-cache-status'), expected);
        assert.equal(res.headers.get('x-edge-pad'), null);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
      }
      // nginx's cache-file header: header_start and body_start are u16 at offsets 54 and 56 (ngx_http_file_cache_header_t).
      const entry = (await cacheFiles()).find((file) => file.length > bytes.length && file.subarray(file.length - bytes.length).equals(bytes));
      assert.ok(entry, `${visibility}: no cache file holds the body`);
      const bodyStart = entry.readUInt16LE(56);
      assert.equal(entry.length - bodyStart, bytes.length);
      assert.equal(bodyStart % 4096, 0, `${visibility}: body at ${bodyStart}`);
    }
  });

  test('Range through the edge, on a miss and on a hit', { skip }, async () => {
    const id = await insertPlayableVideo(t, alice, fixture);
    const path = `/v/${id}/hls/${segment}`;
    const bytes = await blobBytes(`videos/${id}/hls/${segment}`);
    for (const expected of ['MISS', 'HIT']) {
      const res = await viaEdge(path, { range: 'bytes=100-199' });
      assert.equal(res.status, 206, expected);
      assert.equal(res.headers.get('x-cache-status'), expected);
      assert.equal(res.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(100, 200));
    }
    const past = await viaEdge(path, { range: `bytes=${bytes.length}-` });
    assert.equal(past.status, 416);
    const head = await viaEdge(path, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));
  });

  test('a tus upload streams through the edge: create, PATCH, offset, PATCH to completion', { skip }, async () => {
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const { res, url } = await tusCreate(edge.url, { length: body.length, token: alice.token, metadata: { channelId: alice.channelId, title: 'Through the edge', filename: 'clip.mp4' } });
    assert.equal(res.status, 201, await res.text());
    assert.ok(url!.startsWith(edge.url), `the upload URL stays on the edge: ${url}`);
    const half = body.length / 2;
    assert.equal((await tusPatch(url!, alice.token, 0, body.subarray(0, half))).status, 204);
    assert.equal(await tusOffset(url!, alice.token), half);
    const last = await tusPatch(url!, alice.token, half, body.subarray(half));
    assert.equal(last.status, 204);
    assert.equal(last.headers.get('upload-offset'), String(body.length));
    // Complete: the upload is handed to validation (random bytes are no video, so it ends failed).
    const video = await waitForStatus(t, alice.token, uploadId(url!), ['uploaded', 'processing', 'failed']);
    assert.equal(video.sizeBytes, body.length);
  });

  test('limit_req answers 429 beyond a client’s playback rate', { skip }, async () => {
    const id = (await insertPlayableVideo(t, alice, fixture)) as VideoId;
    const port = await freePort();
    const strict = await startNginx(await renderEdgeConfig({ listen: `127.0.0.1:${port}`, origins: [`127.0.0.1:${originPort}`], playbackSecret: PLAYBACK_SECRET, workers: 1, videoRate: 1, videoBurst: 2 }), port);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${strict.url}/v/${id}/hls/master.m3u8`);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200], 'one plus a burst of two');
      assert.ok(statuses.slice(3).every((s) => s === 429), statuses.join(','));
    } finally {
      await strict.stop();
    }
  });
});
