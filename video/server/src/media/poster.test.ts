import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderPoster } from './poster.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';
import { generateSource, makeTempDir } from './test-sources.ts';

const isJpeg = (bytes: Buffer) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;

async function imageSize(file: string): Promise<string> {
  const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file]);
  return stdout.trim();
}

describe('renderPoster', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let source: string;

  before(async () => {
    temp = await makeTempDir('poster');
    source = await generateSource(temp.dir, { width: 320, height: 180, durationSec: 4.5, audio: false });
  });
  after(() => temp.remove());

  test('renders a JPEG poster at the requested width', async () => {
    const outFile = join(temp.dir, 'poster.jpg');
    await renderPoster({ input: source, outFile, atSec: 2, width: 160 });
    assert.ok(isJpeg(await readFile(outFile)));
    assert.equal(await imageSize(outFile), '160x90');
  });

  test('falls back to the first frame when asked for a time past the end', async () => {
    const outFile = join(temp.dir, 'late-poster.jpg');
    await renderPoster({ input: source, outFile, atSec: 60 });
    assert.ok(isJpeg(await readFile(outFile)));
    assert.equal(await imageSize(outFile), '320x180');
  });
});
