import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runToolOrThrow } from './run-ffmpeg.ts';
import { renderStoryboard, vttTime } from './storyboard.ts';
import { generateSource, makeTempDir } from './test-sources.ts';

const isJpeg = (bytes: Buffer) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;

async function imageSize(file: string): Promise<string> {
  const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', file]);
  return stdout.trim();
}

/** Parses the VTT into cues of [startSec, endSec, payload]. */
function parseVtt(text: string): Array<[number, number, string]> {
  const toSec = (t: string) => t.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const lines = text.split('\n');
  assert.equal(lines[0], 'WEBVTT');
  const cues: Array<[number, number, string]> = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\S+) --> (\S+)$/.exec(lines[i] ?? '');
    if (m) cues.push([toSec(m[1] ?? ''), toSec(m[2] ?? ''), lines[i + 1] ?? '']);
  }
  return cues;
}

describe('renderStoryboard', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let source: string;

  before(async () => {
    temp = await makeTempDir('storyboard');
    source = await generateSource(temp.dir, { width: 320, height: 180, durationSec: 4.5, audio: false });
  });
  after(() => temp.remove());

  test('renders a sprite and a VTT whose #xywh cues cover the whole duration', async () => {
    const outDir = join(temp.dir, 'storyboard');
    const board = await renderStoryboard({ input: source, outDir, durationSec: 4.5, tileWidth: 80 });
    assert.deepEqual({ sprite: board.sprite, vtt: board.vtt, tiles: board.tiles }, { sprite: 'sprite.jpg', vtt: 'storyboard.vtt', tiles: 5 });
    assert.ok(isJpeg(await readFile(join(outDir, board.sprite))));
    assert.equal(await imageSize(join(outDir, board.sprite)), '400x46');

    const cues = parseVtt(await readFile(join(outDir, board.vtt), 'utf8'));
    assert.equal(cues.length, 5);
    assert.equal(cues[0]?.[0], 0);
    assert.equal(cues.at(-1)?.[1], 4.5);
    for (let i = 1; i < cues.length; i++) assert.equal(cues[i]?.[0], cues[i - 1]?.[1], 'cues are contiguous');
    assert.equal(cues[0]?.[2], 'sprite.jpg#xywh=0,0,80,46');
    assert.equal(cues[4]?.[2], 'sprite.jpg#xywh=320,0,80,46');
  });

  test('spaces tiles so there are never more than maxTiles', async () => {
    const outDir = join(temp.dir, 'storyboard-few');
    const board = await renderStoryboard({ input: source, outDir, durationSec: 4.5, maxTiles: 2 });
    assert.equal(board.tiles, 2);
    assert.equal(board.intervalSec, 3);
    const cues = parseVtt(await readFile(join(outDir, board.vtt), 'utf8'));
    assert.deepEqual(cues.map(([s, e]) => [s, e]), [[0, 3], [3, 4.5]]);
  });

  test('formats WebVTT timestamps past the hour', () => {
    assert.equal(vttTime(3725.5), '01:02:05.500');
  });
});
