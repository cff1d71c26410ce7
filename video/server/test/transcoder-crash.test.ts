/**
 * The transcoder as a real process, on both engine sets. Distributed: an API process and
 * separate ROLE=transcoder processes on PostgreSQL + Redis + NATS + S3 (s3rver). Embedded:
 * the engines are one process at a time, so one process plays API then, restarted with
 * ROLE=all, transcoder. Either way:
 * - a job queued before any transcoder ever ran waits for the first one (the group is
 *   registered at start by the API);
 * - a transcoder killed with SIGKILL mid-job stops renewing its lease, so the job comes
 *   back one ack timeout later to another transcoder (embedded: as soon as the process
 *   restarts, since its claims were in memory), and the video still ends ready, outputs
 *   overwritten;
 * - a job whose source is gone fails its three attempts, lands in the dead letters and the
 *   video ends failed with transcode_failed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import { generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { tusCreate, tusPatch, uploadId } from './helpers.ts';
import { accountWithChannel, processEngines, type ProcessEngines } from './process-engines.ts';
import type { ServerProcess } from './server-process.ts';

forEachEngineSet('video transcoder processes (real processes)', (engines) => {
  const embedded = engines === 'embedded';
  let tmp: { dir: string; remove(): Promise<void> };
  let env: ProcessEngines;
  /** Serves HTTP: the API process (distributed) or the one process (embedded). */
  let api: ServerProcess;
  const transcoders: ServerProcess[] = [];
  let token: string;
  let channelId: string;
  const handle = `admin${randomBytes(4).toString('hex')}`;
  const common = { ADMIN_HANDLES: handle, VIDEO_TRANSCODE_ACK_TIMEOUT: '4s', VIDEO_TRANSCODE_RETRY_BACKOFF: '100ms', VIDEO_TRANSCODE_ATTEMPTS: '3', VIDEO_SEGMENT_SECONDS: '1' };
  const startApi = async () => (api = await env.start({ ...common, ROLE: 'api' }));
  /** A transcoder; on the embedded engines it replaces the API process, as ROLE=all. */
  const startTranscoder = async (extra: Record<string, string>) => {
    if (!embedded) return void transcoders.push(await env.start({ ...common, ROLE: 'transcoder', ...extra }));
    await api.kill('SIGTERM');
    api = await env.start({ ...common, ROLE: 'all', ...extra });
    transcoders.push(api);
  };
  const authed = (path: string) => fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
  const upload = async (bytes: Buffer) => {
    const { url } = await tusCreate(api.base, { length: bytes.length, token, metadata: { channelId, title: 'Crash', filename: 'c.mp4' } });
    assert.equal((await tusPatch(url!, token, 0, bytes)).status, 204);
    return uploadId(url!);
  };

  before(async () => {
    tmp = await makeTempDir('crash');
    env = await processEngines(engines);
    await startApi();
    ({ token, channelId } = await accountWithChannel(api.base, handle));
  });
  after(async () => {
    for (const p of new Set([...transcoders, api])) await p?.kill('SIGKILL');
    await env.close();
    await tmp.remove();
  });

  test('a job queued before any transcoder ran is taken by the first; killed with SIGKILL mid-job, it is redone and the video ends ready', async () => {
    const source = await readFile(await generateSource(tmp.dir, { width: 1280, height: 720, durationSec: 3, name: 'crash.mp4' }));
    const id = await upload(source);
    assert.equal((await authed(`/v1/videos/${id}`)).status, 'uploaded', 'no transcoder has ever run');

    await startTranscoder({ VIDEO_X264_PRESET: 'veryfast' });
    const first = transcoders.at(-1)!;
    await waitFor('the first transcoder to be processing', async () => (await authed(`/v1/videos/${id}`).catch(() => ({}))).status === 'processing', 30_000);
    await first.kill('SIGKILL');

    await startTranscoder({ VIDEO_X264_PRESET: 'ultrafast' });
    assert.equal((await authed(`/v1/videos/${id}`)).status, 'processing');
    let video: any;
    await waitFor('the video to be ready', async () => (video = await authed(`/v1/videos/${id}`)).status === 'ready', 60_000);
    assert.deepEqual(video.outputs.rungs.map((r: any) => r.name), ['720p', '480p', '360p', '240p']);
  });

  test('a job whose source blob is gone is tried three times, then dead-lettered, and the video ends failed', async () => {
    for (const p of transcoders.splice(0)) await p.kill('SIGTERM');
    if (embedded) await startApi();
    const source = await readFile(await generateSource(tmp.dir, { width: 320, height: 180, durationSec: 1, name: 'poison.mp4' }));
    const id = await upload(source);
    assert.equal((await authed(`/v1/videos/${id}`)).status, 'uploaded');
    await env.blob.delete(`videos/${id}/source`);

    await startTranscoder({});
    let video: any;
    await waitFor('the video to fail', async () => (video = await authed(`/v1/videos/${id}`)).status === 'failed', 30_000);
    assert.equal(video.failureReason, 'transcode_failed');
    assert.ok(video.failureMessage);
    // The video is marked failed before the job's last nak, which the bus then turns into
    // a dead letter: the letter follows a moment later.
    let letter: any;
    await waitFor('the dead letter', async () => {
      const dead = await authed('/v1/admin/dead-letters?limit=50');
      letter = dead.items.find((d: any) => d.event.payload.videoId === id);
      return letter !== undefined;
    }, 10_000);
    assert.equal(letter.group, 'transcoders');
    assert.equal(letter.attempts, 3);
  });
});
