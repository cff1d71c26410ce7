import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MediaError, type MediaFailureReason } from './media-error.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';
import { generateAudioOnly, generateSource, makeTempDir } from './test-sources.ts';
import { validateMedia, type MediaLimits } from './validate.ts';

const limits = { maxDurationSec: 600 };

async function rejectsWith(file: string, reason: MediaFailureReason, customLimits: MediaLimits = limits) {
  await assert.rejects(validateMedia(file, customLimits), (error: unknown) => {
    assert.ok(error instanceof MediaError, `expected MediaError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    assert.ok(error.message.length > 0);
    return true;
  });
}

describe('validateMedia', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let mp4: string;
  let mkv: string;

  before(async () => {
    temp = await makeTempDir('validate');
    [mp4, mkv] = await Promise.all([
      generateSource(temp.dir, { width: 320, height: 180, durationSec: 3 }),
      generateSource(temp.dir, { width: 320, height: 180, durationSec: 3, name: 'source.mkv' }),
    ]);
  });
  after(() => temp.remove());

  test('returns duration, size, codecs and dimensions of a valid MP4', async () => {
    const info = await validateMedia(mp4, limits);
    assert.ok(Math.abs(info.durationSec - 3) < 0.1, `duration ${info.durationSec}`);
    assert.ok(info.sizeBytes > 0);
    assert.match(info.formatName, /mp4/);
    assert.deepEqual({ ...info.video, bitrateKbps: undefined }, { codec: 'h264', width: 320, height: 180, fps: 25, bitrateKbps: undefined });
    assert.deepEqual(info.audio, { codec: 'aac', sampleRate: 48000, channels: 1 });
  });

  test('accepts a Matroska file', async () => {
    const info = await validateMedia(mkv, limits);
    assert.match(info.formatName, /matroska/);
  });

  test('measures the duration of a Matroska file written live, with no duration in its header', async () => {
    const live = join(temp.dir, 'live.mkv');
    await runToolOrThrow('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', mp4, '-c', 'copy', '-live', '1', live]);
    const info = await validateMedia(live, limits);
    assert.ok(Math.abs(info.durationSec - 3) < 0.1, `duration ${info.durationSec}`);
  });

  test('rejects a zero-length file as empty_file', async () => {
    const file = join(temp.dir, 'empty.mp4');
    await writeFile(file, '');
    await rejectsWith(file, 'empty_file');
  });

  test('rejects random bytes as not_a_video', async () => {
    const file = join(temp.dir, 'random.mp4');
    await writeFile(file, randomBytes(64 * 1024));
    await rejectsWith(file, 'not_a_video');
  });

  test('rejects an MP4 cut in half as truncated', async () => {
    const bytes = await readFile(mp4);
    const file = join(temp.dir, 'half.mp4');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejectsWith(file, 'truncated');
  });

  test('rejects a fast-start MP4 whose media data is cut short as truncated', async () => {
    const faststart = join(temp.dir, 'faststart.mp4');
    await runToolOrThrow('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', mp4, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const bytes = await readFile(faststart);
    const file = join(temp.dir, 'faststart-cut.mp4');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await rejectsWith(file, 'truncated');
  });

  test('rejects a Matroska file cut in half as truncated', async () => {
    const bytes = await readFile(mkv);
    const file = join(temp.dir, 'half.mkv');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejectsWith(file, 'truncated');
  });

  test('rejects a file with a valid header and garbage after it as corrupt', async () => {
    const file = join(temp.dir, 'garbage.mkv');
    await writeFile(file, Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), randomBytes(4096)]));
    await rejectsWith(file, 'corrupt');
  });

  test('rejects audio-only as no_video_stream', async () => {
    await rejectsWith(await generateAudioOnly(temp.dir, 2), 'no_video_stream');
  });

  test('rejects a video over the duration limit as too_long', async () => {
    await rejectsWith(mp4, 'too_long', { maxDurationSec: 2 });
  });

  test('rejects over 4K in either orientation as resolution_too_high', async () => {
    const [wide, square] = await Promise.all([
      generateSource(temp.dir, { width: 3842, height: 64, durationSec: 0.2, audio: false, name: 'wide.mp4' }),
      generateSource(temp.dir, { width: 2162, height: 2162, durationSec: 0.2, audio: false, name: 'square.mp4' }),
    ]);
    await rejectsWith(wide, 'resolution_too_high');
    await rejectsWith(square, 'resolution_too_high');
    await rejectsWith(mp4, 'resolution_too_high', { maxDurationSec: 600, maxWidth: 300, maxHeight: 300 });
  });

  test('reports a rotated phone video in display orientation', async () => {
    const rotated = join(temp.dir, 'rotated.mp4');
    await runToolOrThrow('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', mp4, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const info = await validateMedia(rotated, limits);
    assert.equal(info.video.rotation, 90);
    assert.deepEqual([info.video.width, info.video.height], [180, 320]);
  });
});
