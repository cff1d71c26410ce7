import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeAudio, encodeVideoChunk } from './chunk-encode.ts';
import { planChunks } from './chunks.ts';
import { assertEverySegmentParses, codecTypes, keyframeTimes, streamDuration, videoPackets } from './hls-test-helpers.ts';
import { planLadder } from './ladder.ts';
import { stitchHls } from './stitch.ts';
import { generateSource, makeTempDir } from './test-sources.ts';

const fps = 25;
const durationSec = 6;
const segmentSeconds = 1;

describe('parallel mode: chunked encode stitched into continuous playlists', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let source: string;
  let encoded: { chunkDirs: string[]; audioDir: string } | undefined;

  before(async () => {
    temp = await makeTempDir('parallel');
    // Keyframe every second and B-frames (veryfast), as a camera file would have.
    source = await generateSource(temp.dir, { width: 640, height: 360, durationSec, fps, gop: fps, preset: 'veryfast' });
  });
  after(() => temp.remove());

  test('plans keyframe-aligned chunks of about the target length covering the source', async () => {
    const chunks = await planChunks(source, 2);
    assert.deepEqual(chunks.map((c) => [c.index, c.startSec]), [[0, 0], [1, 2], [2, 4]]);
    assert.equal(chunks.at(-1)?.endSec, durationSec);
  });

  test('stitched rungs play as one stream: every frame once, monotonic timestamps, no gap, aligned keyframes', async () => {
    const chunks = await planChunks(source, 2);
    const rungs = planLadder({ width: 640, height: 360 });
    const chunkDirs = chunks.map((c) => join(temp.dir, `chunk-${c.index}`));
    const audioDir = join(temp.dir, 'audio');
    // As separate jobs would: concurrently, each on its own.
    await Promise.all([
      ...chunks.map((chunk, i) => encodeVideoChunk({ input: source, chunk, outDir: chunkDirs[i] ?? '', rungs, segmentSeconds, fps, preset: 'veryfast' })),
      encodeAudio({ input: source, outDir: audioDir, audioKbps: 96, segmentSeconds }),
    ]);
    encoded = { chunkDirs, audioDir };
    const outDir = join(temp.dir, 'stitched');
    const result = await stitchHls({ chunkDirs, audioDir, outDir, rungs, segmentSeconds });
    assert.equal(result.masterPlaylist, 'master.m3u8');
    assert.deepEqual(result.rungs.map((r) => r.name), ['360p', '240p']);
    const master = await readFile(join(outDir, 'master.m3u8'), 'utf8');
    assert.equal(master.match(/RESOLUTION=\d+x\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",FRAME-RATE=25\.000\n/g)?.length, 2, master);

    const keyframeLists: number[][] = [];
    for (const rung of result.rungs) {
      assert.match(rung.codecs, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      const playlist = join(outDir, rung.playlist);
      const packets = await videoPackets(playlist);
      assert.equal(packets.length, durationSec * fps, `${rung.name}: every source frame exactly once`);
      for (let i = 1; i < packets.length; i++) {
        assert.ok((packets[i]?.dtsSec ?? 0) > (packets[i - 1]?.dtsSec ?? 0), `${rung.name}: dts not increasing at packet ${i}`);
      }
      const pts = packets.map((p) => p.ptsSec).sort((a, b) => a - b);
      for (let i = 1; i < pts.length; i++) {
        assert.ok(Math.abs((pts[i] ?? 0) - (pts[i - 1] ?? 0) - 1 / fps) < 0.002, `${rung.name}: gap or overlap at ${pts[i - 1]} → ${pts[i]}`);
      }
      const span = (pts.at(-1) ?? 0) + 1 / fps - (pts[0] ?? 0);
      assert.ok(Math.abs(span - durationSec) < 0.002, `${rung.name}: video spans ${span} s`);
      assert.ok(Math.abs((await streamDuration(playlist)) - durationSec) <= segmentSeconds);
      assert.deepEqual(await codecTypes(playlist), ['audio', 'video']);
      await assertEverySegmentParses(playlist, temp.dir);
      keyframeLists.push(keyframeTimes(packets));
    }
    assert.deepEqual(keyframeLists[1], keyframeLists[0], 'keyframes aligned across rungs');
    assert.equal(keyframeLists[0]?.length, durationSec / segmentSeconds);
  });

  test('stitches chunk directories given as relative paths (concat lists resolve against their own folder)', async () => {
    assert.ok(encoded, 'runs after the stitch test');
    const rungs = planLadder({ width: 640, height: 360 });
    const outDir = join(temp.dir, 'stitched-relative');
    const result = await stitchHls({
      chunkDirs: encoded.chunkDirs.map((dir) => relative(process.cwd(), dir)),
      audioDir: relative(process.cwd(), encoded.audioDir),
      outDir: relative(process.cwd(), outDir), rungs, segmentSeconds,
    });
    assert.equal((await videoPackets(join(outDir, result.rungs[0]?.playlist ?? ''))).length, durationSec * fps);
  });
});
