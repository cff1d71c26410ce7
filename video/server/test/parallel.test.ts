/**
 * Parallel mode through the public API on both engine sets: a source longer than the
 * threshold is cut into chunk jobs plus an audio job, stitched, and ends ready with a
 * continuous rendition (ffprobe on the stitched output: every frame, the whole duration).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { forEachEngineSet, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { videoFeature } from '../src/index.ts';
import { downloadPrefix } from '../src/transcode/blob-files.ts';
import { createChannel, listen, signUp, uploadVideo, waitForStatus } from './helpers.ts';

const run = promisify(execFile);
const FPS = 25;
const DURATION = 6;

forEachEngineSet('video parallel transcode', (engines) => {
  let t: TestPlatform;
  let base: string;
  let token: string;
  let channelId: string;
  let tmp: { dir: string; remove(): Promise<void> };
  let source: Buffer;
  before(async () => {
    tmp = await makeTempDir('parallel');
    source = await readFile(await generateSource(tmp.dir, { width: 480, height: 270, durationSec: DURATION, fps: FPS, gop: FPS }));
    t = await startTestPlatform(
      engines,
      { VIDEO_X264_PRESET: 'ultrafast', VIDEO_SEGMENT_SECONDS: '1', VIDEO_PARALLEL_THRESHOLD: '3s', VIDEO_CHUNK_LENGTH: '2s' },
      { features: [videoFeature] },
    );
    base = await listen(t);
    token = (await signUp(t)).token;
    channelId = await createChannel(t, token);
  });
  after(async () => {
    await t.close();
    await tmp.remove();
  });

  test('a video over the threshold is encoded in chunks and stitched into gapless renditions', async () => {
    const id = await uploadVideo(base, token, channelId, source);
    const video = await waitForStatus(t, token, id, ['ready', 'failed'], 90_000);
    assert.equal(video.status, 'ready', video.failureMessage);
    assert.deepEqual(video.outputs.rungs.map((r: any) => r.name), ['240p']);
    // The parts go right after `ready` (kept until then, so a redelivered stitch still finds them).
    await waitFor('the parts to be removed after the stitch', async () => (await t.platform.blob.list(`videos/${id}/parts/`)).keys.length === 0, 10_000);

    const dir = join(tmp.dir, `out-${engines}`);
    await downloadPrefix(t.platform.blob, `videos/${id}/hls/`, dir);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames:format=duration', '-of', 'json', join(dir, '240p', 'playlist.m3u8')]);
    const probe = JSON.parse(stdout);
    assert.equal(Number(probe.streams[0].nb_read_frames), FPS * DURATION);
    assert.ok(Math.abs(Number(probe.format.duration) - DURATION) < 1, `duration ${probe.format.duration}`);
    const master = await readFile(join(dir, 'master.m3u8'), 'utf8');
    assert.match(master, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
  });
});
