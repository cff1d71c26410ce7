/**
 * Upload → ready through the public API on both engine sets: the ladder's rungs (never
 * above the source), every output in the blob store, the master playlist, metadata in
 * SQL, and live status and progress over Server-Sent Events. The 1080p case checks the
 * outputs as a player would read them back from the blob store: every playlist and
 * segment parses with ffprobe, keyframes align across rungs, durations match the source.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngineSet, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { assertEverySegmentParses, keyframeTimes, streamDuration, videoPackets } from '../src/media/hls-test-helpers.ts';
import { generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { videoFeature } from '../src/index.ts';
import { downloadPrefix } from '../src/transcode/blob-files.ts';
import { createChannel, listen, signUp, tusCreate, tusPatch, uploadId, uploadVideo, waitForStatus } from './helpers.ts';
import { watch } from './sse.ts';

forEachEngineSet('video transcode to an HLS ladder', (engines) => {
  let t: TestPlatform;
  let base: string;
  let token: string;
  let channelId: string;
  let tmp: { dir: string; remove(): Promise<void> };
  let source: Buffer;
  before(async () => {
    tmp = await makeTempDir('transcode');
    source = await readFile(await generateSource(tmp.dir, { width: 640, height: 360, durationSec: 2 }));
    // An ack timeout far below the 1080p job's length: the job's lease renewals must keep it from being redelivered.
    t = await startTestPlatform(engines, { VIDEO_X264_PRESET: 'ultrafast', VIDEO_SEGMENT_SECONDS: '1', VIDEO_TRANSCODE_ACK_TIMEOUT: '1s' }, { features: [videoFeature] });
    base = await listen(t);
    token = (await signUp(t)).token;
    channelId = await createChannel(t, token);
  });
  after(async () => {
    await t.close();
    await tmp.remove();
  });
  /** Transcode jobs this process ran to the end (the histogram's count). */
  const finishedJobs = async () => {
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(/video_transcode_duration_seconds_count\{[^}]*type="video.uploaded"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };

  test('a 360p upload ends ready with a 360p and a 240p rung in the blob store, watched live over SSE', async () => {
    const { url } = await tusCreate(base, { length: source.length, token, metadata: { channelId, title: 'Ladder', filename: 'ladder.mp4' } });
    const id = uploadId(url!);
    const live = watch(`${base}/v1/videos/${id}/events`, token, (e) => e.event === 'status' && (e.data.status === 'ready' || e.data.status === 'failed'));
    await live.opened;
    assert.equal((await tusPatch(url!, token, 0, source)).status, 204);
    const events = await live.done;
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    assert.deepEqual(statuses.slice(0, 1), ['uploading']);
    assert.equal(statuses.at(-1), 'ready');
    assert.ok(statuses.includes('processing'), statuses.join());
    assert.ok(events.some((e) => e.event === 'progress' && e.data.fraction > 0), 'a progress event');

    const video = await waitForStatus(t, token, id, ['ready']);
    assert.equal(video.progress, 1);
    assert.deepEqual(video.outputs.rungs.map((r: any) => r.name), ['360p', '240p']);
    for (const rung of video.outputs.rungs) {
      assert.match(rung.codecs, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      assert.ok(rung.bytes > 0 && rung.segments >= 2);
      assert.ok(await t.platform.blob.head(rung.playlist), rung.playlist);
    }
    const master = await text((await t.platform.blob.get(video.outputs.master)).body);
    assert.match(master, /RESOLUTION=640x360/);
    assert.match(master, /RESOLUTION=426x240|RESOLUTION=428x240|x240/);
    assert.equal((master.match(/#EXT-X-STREAM-INF/g) ?? []).length, 2);
    const keys = (await t.platform.blob.list(`videos/${id}/`)).keys.map((k) => k.key);
    assert.ok(keys.includes(`videos/${id}/hls/360p/init.mp4`));
    assert.ok(keys.some((k) => k.endsWith('.m4s')));
    assert.ok(keys.includes(video.outputs.poster));
    assert.ok(keys.includes(video.outputs.storyboard.sprite));
    assert.ok(keys.includes(video.outputs.storyboard.vtt));
  });

  test('a 1080p upload ends ready with five rungs that parse with ffprobe, keyframes aligned and durations within one segment', async () => {
    const hd = await readFile(await generateSource(tmp.dir, { width: 1920, height: 1080, durationSec: 2, name: 'hd.mp4' }));
    const jobsBefore = await finishedJobs();
    const started = Date.now();
    const id = await uploadVideo(base, token, channelId, hd, 'Full ladder');
    const video = await waitForStatus(t, token, id, ['ready', 'failed']);
    assert.equal(video.status, 'ready', video.failureMessage);
    await sleep(1_500); // a redelivery, had there been one, would run now
    assert.equal(await finishedJobs(), jobsBefore + 1, `one run of a ${Date.now() - started} ms job with a 1 s ack timeout: never redelivered while it ran`);
    assert.deepEqual(video.outputs.rungs.map((r: any) => `${r.name}=${r.width}x${r.height}`), ['1080p=1920x1080', '720p=1280x720', '480p=854x480', '360p=640x360', '240p=426x240']);

    // Read back what the blob store holds, as the origin will serve it.
    const dir = join(tmp.dir, `out-${id}`);
    await mkdir(dir, { recursive: true });
    const prefix = `videos/${id}/hls/`;
    assert.ok((await downloadPrefix(t.platform.blob, prefix, dir)) > 0);
    const master = await readFile(join(dir, 'master.m3u8'), 'utf8');
    assert.equal((master.match(/#EXT-X-STREAM-INF/g) ?? []).length, 5);
    const keyframes: number[][] = [];
    for (const rung of video.outputs.rungs) {
      const playlist = join(dir, rung.playlist.slice(prefix.length));
      await assertEverySegmentParses(playlist, tmp.dir);
      assert.ok(Math.abs((await streamDuration(playlist)) - 2) <= 1, `${rung.name} lasts the source's 2 s within one 1 s segment`);
      keyframes.push(keyframeTimes(await videoPackets(playlist)));
    }
    for (const [i, times] of keyframes.entries()) assert.deepEqual(times, keyframes[0], `${video.outputs.rungs[i].name} keyframes match 1080p's`);
    assert.equal(keyframes[0]?.length, 2, 'one keyframe per 1 s segment');
  });

  test('a video deleted while it transcodes leaves no file behind (the blob cleanup runs before the job’s last uploads)', async () => {
    const long = await readFile(await generateSource(tmp.dir, { width: 1280, height: 720, durationSec: 8, name: 'deleted.mp4' }));
    const jobsBefore = await finishedJobs();
    const { url } = await tusCreate(base, { length: long.length, token, metadata: { channelId, title: 'Deleted', filename: 'deleted.mp4' } });
    const id = uploadId(url!);
    const encoding = watch(`${base}/v1/videos/${id}/events`, token, (e) => e.event === 'progress' && e.data.fraction > 0);
    await encoding.opened;
    assert.equal((await tusPatch(url!, token, 0, long)).status, 204);
    await encoding.done;
    const deleted = await fetch(`${base}/v1/videos/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(deleted.status, 204);
    await waitFor('the job to end', async () => (await finishedJobs()) > jobsBefore, 60_000);
    await waitFor('the prefix to be empty', async () => (await t.platform.blob.list(`videos/${id}/`)).keys.length === 0);
  });

  test('another account cannot watch a video’s events (404)', async () => {
    const other = await signUp(t);
    const id = (await tusCreate(base, { length: 10, token, metadata: { channelId, title: 'x', filename: 'x' } })).url!.split('/').pop();
    const res = await fetch(`${base}/v1/videos/${id}/events`, { headers: { authorization: `Bearer ${other.token}` } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).error.code, 'video_not_found');
  });
});
