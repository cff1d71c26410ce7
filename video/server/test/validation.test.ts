/**
 * Validation when an upload completes, through the public API on both engine sets: each
 * kind of bad file ends `failed` with its precise reason, and no transcode job is queued;
 * a good one is validated where tus wrote it, the source blob, never copied.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { forEachEngineSet, startTestPlatform, waitFor, type TestPlatform } from '@twin/platform/testing';
import { generateAudioOnly, generateSource, makeTempDir } from '../src/media/test-sources.ts';
import { videoFeature } from '../src/index.ts';
import { createChannel, getVideo, listen, signUp, tusCreate, tusPatch, uploadId, uploadVideo } from './helpers.ts';

forEachEngineSet('video validation on upload completion', (engines) => {
  let t: TestPlatform;
  let base: string;
  let token: string;
  let channelId: string;
  let tmp: { dir: string; remove(): Promise<void> };
  let mp4: Buffer;
  before(async () => {
    tmp = await makeTempDir('validation');
    mp4 = await readFile(await generateSource(tmp.dir, { width: 320, height: 180, durationSec: 2 }));
    t = await startTestPlatform(engines, { VIDEO_X264_PRESET: 'ultrafast' }, { features: [videoFeature] });
    base = await listen(t);
    token = (await signUp(t)).token;
    channelId = await createChannel(t, token);
  });
  after(async () => {
    await t.close();
    await tmp.remove();
  });

  const expectFailed = async (bytes: Uint8Array, reason: string) => {
    const id = await uploadVideo(base, token, channelId, bytes);
    const video = await getVideo(t, token, id);
    assert.equal(video.status, 'failed');
    assert.equal(video.failureReason, reason);
    assert.ok(video.failureMessage);
    // The refused bytes go right after tus has answered.
    await waitFor('the refused source to be deleted', async () => (await t.platform.blob.head(`videos/${id}/source`)) === null, 5_000);
  };

  test('random bytes end failed with not_a_video', () => expectFailed(randomBytes(5000), 'not_a_video'));
  test('a zero-length upload ends failed with empty_file', () => expectFailed(new Uint8Array(0), 'empty_file'));
  test('an MP4 cut in the middle ends failed with truncated', () => expectFailed(mp4.subarray(0, Math.floor(mp4.length / 2)), 'truncated'));
  test('an audio-only file ends failed with no_video_stream', async () => {
    const audio = await readFile(await generateAudioOnly(tmp.dir, 1));
    await expectFailed(audio, 'no_video_stream');
  });
  test('a refused upload queues no transcode job', async () => {
    const stats = await t.platform.bus.stats();
    assert.equal(stats.outboxPending, 0);
    assert.equal(stats.backlog, 0);
  });
  test('a valid MP4 ends uploaded (or later) with its probe metadata', async () => {
    const id = await uploadVideo(base, token, channelId, mp4);
    const video = await getVideo(t, token, id);
    assert.notEqual(video.status, 'failed');
    assert.notEqual(video.status, 'uploading');
    assert.equal(video.width, 320);
    assert.equal(video.height, 180);
    assert.ok(Math.abs(video.durationSec - 2) < 0.2);
  });

  test('a valid upload is written in place as the source blob, piece by piece: no staged copy in DATA_DIR', async () => {
    const bytes = await readFile(await generateSource(tmp.dir, { width: 320, height: 180, durationSec: 1, name: 'once.mp4' }));
    const half = Math.floor(bytes.length / 2);
    const { url } = await tusCreate(base, { length: bytes.length, token, metadata: { channelId, title: 'In place', filename: 'once.mp4' } });
    const id = uploadId(url!);
    const local = t.platform.blob.localPath(`videos/${id}/source`);
    assert.equal((await tusPatch(url!, token, 0, bytes.subarray(0, half))).status, 204);
    // Local blobs live in DATA_DIR: there the only copy must be the blob store's own object (S3: none at all).
    assert.deepEqual(await filesHolding(bytes.subarray(0, half)), local ? [local] : []);
    assert.equal((await tusPatch(url!, token, half, bytes.subarray(half))).status, 204);
    const { body } = await t.platform.blob.get(`videos/${id}/source`);
    assert.ok((await buffer(body)).equals(bytes), 'the source blob holds the uploaded bytes');
    assert.deepEqual(await filesHolding(bytes), local ? [local] : []);
  });

  /**
   * Files under DATA_DIR whose whole content is `bytes`. The server keeps writing meanwhile
   * (the transcoder's temp files are renamed into place), so a scan that meets a file
   * vanishing under it starts over rather than skip what may have moved elsewhere.
   */
  const filesHolding = async (bytes: Buffer): Promise<string[]> => {
    for (;;) {
      try {
        const found: string[] = [];
        for (const entry of await readdir(t.platform.config.dataDir, { recursive: true, withFileTypes: true })) {
          const path = join(entry.parentPath, entry.name);
          if (entry.isFile() && (await stat(path)).size === bytes.length && (await readFile(path)).equals(bytes)) found.push(path);
        }
        return found;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  };
});
