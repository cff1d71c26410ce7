import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalBlobStore, type BlobStore } from '@twin/platform/blob';
import { shipSegmentsWhile } from './segment-shipper.ts';

describe('shipSegmentsWhile', () => {
  let root: string;
  let blob: LocalBlobStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'segment-shipper-'));
    blob = new LocalBlobStore({ dir: join(root, 'blobs') });
  });
  after(async () => {
    await blob.close();
    await rm(root, { recursive: true, force: true });
  });

  test('ships each finished segment while the encode runs, and nothing ffmpeg may still write', async () => {
    const dir = join(root, 'ok');
    const { result, shipped } = await shipSegmentsWhile(blob, dir, 'v/1/hls/', async () => {
      await mkdir(join(dir, '720p'), { recursive: true });
      await writeFile(join(dir, '720p', 'seg-00000.m4s'), 'first segment');
      await writeFile(join(dir, '720p', 'seg-00001.m4s.tmp'), 'being written');
      await writeFile(join(dir, '720p', 'init.mp4'), 'init');
      await writeFile(join(dir, '720p', 'playlist.m3u8'), '#EXTM3U');
      await sleep(1_500);
      assert.ok(await blob.head('v/1/hls/720p/seg-00000.m4s'), 'shipped before the encode ended');
      return 'encoded';
    });
    assert.equal(result, 'encoded');
    assert.deepEqual([...shipped], [['720p/seg-00000.m4s', { key: 'v/1/hls/720p/seg-00000.m4s', size: 13 }]]);
    for (const left of ['seg-00001.m4s.tmp', 'init.mp4', 'playlist.m3u8']) assert.equal(await blob.head(`v/1/hls/720p/${left}`), null, left);
  });

  test('a failed encode removes what was shipped and throws its error', async () => {
    const dir = join(root, 'failed');
    await mkdir(join(dir, '360p'), { recursive: true });
    await writeFile(join(dir, '360p', 'seg-00000.m4s'), 'segment');
    const failure = shipSegmentsWhile(blob, dir, 'v/2/hls/', async () => {
      await sleep(1_500);
      assert.ok(await blob.head('v/2/hls/360p/seg-00000.m4s'));
      throw new Error('ffmpeg exited with 1');
    });
    await assert.rejects(failure, /ffmpeg exited with 1/);
    assert.equal(await blob.head('v/2/hls/360p/seg-00000.m4s'), null);
  });

  test('a failed upload fails the encode, which must not reach ready without its segment', async () => {
    const dir = join(root, 'store-down');
    await mkdir(join(dir, '240p'), { recursive: true });
    await writeFile(join(dir, '240p', 'seg-00000.m4s'), 'segment');
    const refusing = Object.create(blob, { put: { value: async () => Promise.reject(new Error('store unavailable')) } }) as BlobStore;
    await assert.rejects(
      shipSegmentsWhile(refusing, dir, 'v/3/hls/', () => sleep(1_500).then(() => 'encoded')),
      /store unavailable/,
    );
  });

  test('an encode that has not made its folder yet is not a failure', async () => {
    const dir = join(root, 'late');
    const { shipped } = await shipSegmentsWhile(blob, dir, 'v/4/hls/', () => sleep(1_200));
    assert.equal(shipped.size, 0);
  });
});
