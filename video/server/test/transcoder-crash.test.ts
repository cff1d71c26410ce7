/**
 * The transcoder as its own process (ROLE=transcoder, see fixtures/node-process.ts) beside
 * an API process, on PostgreSQL + Redis + NATS + S3 (s3rver) — the embedded bus is one
 * process by design (it polls SQLite only every 30 s for others): a transcoder killed with
 * SIGKILL mid-job leaves its job unacked, another transcoder picks it up after the ack
 * timeout and the video still ends ready; a job whose source is gone fails its three
 * attempts, lands in the dead letters and the video ends failed with transcode_failed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createBlobStore } from '@twin/platform/blob';
import { dropSchema } from '@twin/platform/sql';
import { skipUnlessReachable, testEngines, uniqueTestName, waitFor } from '@twin/platform/testing';
// The platform's s3rver starter is not exported from its testing entry; the same file test-platform.ts uses.
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../../../platform/src/blob/s3-test-server.ts';
import { generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { tusCreate, tusPatch, uploadId } from './helpers.ts';
import { NAMESPACED_MAIN, startServerProcess, type ServerProcess } from './server-process.ts';

const missing = (await Promise.all((['postgres', 'redis', 'nats'] as const).map((e) => skipUnlessReachable(e)))).find(Boolean) ?? false;

describe('video transcoder processes (postgres + redis + nats + s3rver, real processes)', { skip: missing }, () => {
  let tmp: { dir: string; remove(): Promise<void> };
  let dataDir: string;
  let api: ServerProcess;
  const transcoders: ServerProcess[] = [];
  let token: string;
  let channelId: string;
  const handle = `admin${randomBytes(4).toString('hex')}`;
  const common = { VIDEO_TRANSCODE_ACK_TIMEOUT: '6s', VIDEO_TRANSCODE_RETRY_BACKOFF: '100ms', VIDEO_TRANSCODE_ATTEMPTS: '3', VIDEO_SEGMENT_SECONDS: '1' };
  let nodeId = 1;
  const namespace = uniqueTestName('vt');
  let s3: RunningS3rver;
  let shared: Record<string, string>;
  const start = (env: Record<string, string>) =>
    startServerProcess({ ...shared, DATA_DIR: dataDir, NODE_ID: String(nodeId++), ADMIN_HANDLES: handle, ...common, ...env }, NAMESPACED_MAIN);
  const authed = (path: string) => fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);

  before(async () => {
    tmp = await makeTempDir('crash');
    // One DATA_DIR for all: the processes share the generated token and cursor secrets there.
    dataDir = join(tmp.dir, 'data');
    s3 = await startS3rver(['twin-test']);
    shared = {
      TEST_NAMESPACE: namespace,
      DATABASE_URL: testEngines.postgres,
      REDIS_URL: testEngines.redis,
      NATS_URL: testEngines.nats,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: 'twin-test',
      S3_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    };
    api = await start({ ROLE: 'api' });
    const post = (path: string, body: unknown, auth?: string) =>
      fetch(`${api.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) });
    assert.equal((await post('/v1/accounts', { handle, password: 'correct horse battery' })).status, 201);
    token = ((await (await post('/v1/sessions', { handle, password: 'correct horse battery' })).json()) as any).accessToken;
    channelId = ((await (await post('/v1/channels', { name: 'c' }, token)).json()) as any).id;
  });
  after(async () => {
    for (const p of [...transcoders, api]) await p?.kill('SIGKILL');
    await dropSchema(testEngines.postgres, namespace);
    const nc = await connect({ servers: testEngines.nats });
    await (await jetstreamManager(nc)).streams.delete(namespace).catch(() => false);
    await nc.close();
    await s3?.close();
    await tmp.remove();
  });

  const upload = async (bytes: Buffer) => {
    const { url } = await tusCreate(api.base, { length: bytes.length, token, metadata: { channelId, title: 'Crash', filename: 'c.mp4' } });
    assert.equal((await tusPatch(url!, token, 0, bytes)).status, 204);
    return uploadId(url!);
  };

  test('a transcoder killed with SIGKILL mid-job: another one redoes the job and the video ends ready', async () => {
    const source = await readFile(await generateSource(tmp.dir, { width: 1280, height: 720, durationSec: 3, name: 'crash.mp4' }));
    const first = await start({ ROLE: 'transcoder', VIDEO_X264_PRESET: 'veryfast' });
    transcoders.push(first);
    const id = await upload(source);
    await waitFor('the first transcoder to be processing', async () => (await authed(`/v1/videos/${id}`)).status === 'processing', 20_000);
    await first.kill('SIGKILL');
    assert.equal((await authed(`/v1/videos/${id}`)).status, 'processing');

    transcoders.push(await start({ ROLE: 'transcoder', VIDEO_X264_PRESET: 'ultrafast' }));
    let video: any;
    await waitFor('the video to be ready', async () => (video = await authed(`/v1/videos/${id}`)).status === 'ready', 60_000);
    assert.deepEqual(video.outputs.rungs.map((r: any) => r.name), ['720p', '480p', '360p', '240p']);
  });

  test('a job whose source blob is gone is tried three times, then dead-lettered, and the video ends failed', async () => {
    for (const p of transcoders) await p.kill('SIGTERM');
    const source = await readFile(await generateSource(tmp.dir, { width: 320, height: 180, durationSec: 1, name: 'poison.mp4' }));
    const id = await upload(source);
    assert.equal((await authed(`/v1/videos/${id}`)).status, 'uploaded');
    const blob = createBlobStore({ s3: { endpoint: s3.endpoint, bucket: 'twin-test', region: 'us-east-1', ...s3rverCredentials, forcePathStyle: true } });
    await blob.delete(`videos/${id}/source`);
    await blob.close();

    transcoders.push(await start({ ROLE: 'transcoder' }));
    let video: any;
    await waitFor('the video to fail', async () => (video = await authed(`/v1/videos/${id}`)).status === 'failed', 30_000);
    assert.equal(video.failureReason, 'transcode_failed');
    assert.ok(video.failureMessage);
    const dead = await authed('/v1/admin/dead-letters?limit=50');
    const letter = dead.items.find((d: any) => d.event.payload.videoId === id);
    assert.ok(letter, JSON.stringify(dead));
    assert.equal(letter.group, 'transcoders');
    assert.equal(letter.attempts, 3);
  });
});
