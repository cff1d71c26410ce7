/**
 * Restarts through real processes on both engine sets, driven over HTTP: an upload
 * started on one server process continues where it stopped on the next, its bytes kept
 * by the tus datastore (the local blob store's file and DATA_DIR/uploads embedded; the
 * S3 multipart upload and its `.info` object on S3).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet } from '@twin/platform/testing';
import { tusCreate, tusOffset, tusPatch } from './helpers.ts';
import { accountWithChannel, processEngines, type ProcessEngines } from './process-engines.ts';
import type { ServerProcess } from './server-process.ts';

forEachEngineSet('video uploads across a server restart (real processes)', (engines) => {
  let env: ProcessEngines;
  let server: ServerProcess | undefined;
  before(async () => {
    env = await processEngines(engines);
  });
  after(async () => {
    await server?.kill('SIGKILL');
    await env.close();
  });

  test('an upload started on one server process continues where it stopped on the next', async () => {
    server = await env.start({});
    const { token, channelId } = await accountWithChannel(server.base, `u${randomBytes(5).toString('hex')}`);
    const bytes = randomBytes(50_000);
    const { url } = await tusCreate(server.base, { length: bytes.length, token, metadata: { channelId, title: 'Restarted', filename: 'r.bin' } });
    const path = new URL(url!).pathname;
    assert.equal((await tusPatch(url!, token, 0, bytes.subarray(0, 20_000))).status, 204);
    await server.kill('SIGKILL');

    server = await env.start({});
    const resumed = `${server.base}${path}`;
    assert.equal(await tusOffset(resumed, token), 20_000);
    const rest = await tusPatch(resumed, token, 20_000, bytes.subarray(20_000));
    assert.equal(rest.status, 204);
    assert.equal(rest.headers.get('upload-offset'), String(bytes.length));
    const id = path.split('/').pop();
    const video = (await (await fetch(`${server.base}/v1/videos/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
    assert.equal(video.status, 'failed');
    assert.equal(video.failureReason, 'not_a_video');
  });
});
