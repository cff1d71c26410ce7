/**
 * Restarts through real processes (app/src/main.ts on the embedded engines sharing one
 * DATA_DIR), driven over HTTP: an upload resumes on a new server process after the old
 * one stopped between pieces.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tusCreate, tusOffset, tusPatch } from './helpers.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

async function signUpOver(base: string): Promise<{ token: string }> {
  const handle = `u${randomBytes(5).toString('hex')}`;
  const password = 'correct horse battery';
  const post = (path: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, password }) });
  assert.equal((await post('/v1/accounts')).status, 201);
  return { token: ((await (await post('/v1/sessions')).json()) as any).accessToken };
}

describe('video uploads across a server restart (embedded engines, real processes)', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'video-restart-'));
  });
  after(async () => {
    await server?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  test('an upload started on one server process continues where it stopped on the next', async () => {
    server = await startServerProcess({ DATA_DIR: dataDir, NODE_ID: '1' });
    const { token } = await signUpOver(server.base);
    const channel = await fetch(`${server.base}/v1/channels`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'c' }) });
    const channelId = ((await channel.json()) as any).id;
    const bytes = randomBytes(50_000);
    const { url } = await tusCreate(server.base, { length: bytes.length, token, metadata: { channelId, title: 'Restarted', filename: 'r.bin' } });
    const path = new URL(url!).pathname;
    assert.equal((await tusPatch(url!, token, 0, bytes.subarray(0, 20_000))).status, 204);
    await server.kill('SIGKILL');

    server = await startServerProcess({ DATA_DIR: dataDir, NODE_ID: '2' });
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
