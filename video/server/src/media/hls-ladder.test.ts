import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hlsLadderArgs, transcodeHlsLadder } from './hls-ladder.ts';
import { assertEverySegmentParses, codecTypes, keyframeTimes, streamDuration, videoPackets } from './hls-test-helpers.ts';
import { planLadder } from './ladder.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';
import { renderPoster } from './poster.ts';
import { planStoryboard } from './storyboard.ts';
import type { TranscodeProgress } from './progress.ts';
import { generateSource, makeTempDir } from './test-sources.ts';

const segmentSeconds = 1;

describe('transcodeHlsLadder', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let hd: string;
  let sd: string;
  let silent: string;

  before(async () => {
    temp = await makeTempDir('ladder');
    [hd, sd, silent] = await Promise.all([
      generateSource(temp.dir, { width: 1920, height: 1080, durationSec: 2, name: 'hd.mp4' }),
      generateSource(temp.dir, { width: 640, height: 360, durationSec: 3, name: 'sd.mp4' }),
      generateSource(temp.dir, { width: 426, height: 240, durationSec: 2, audio: false, name: 'silent.mp4' }),
    ]);
  });
  after(() => temp.remove());

  test('a 1080p source yields five aligned, parseable rungs and an exact master playlist', async () => {
    const outDir = join(temp.dir, 'hd-out');
    const progress: TranscodeProgress[] = [];
    const result = await transcodeHlsLadder({
      input: hd, outDir, rungs: planLadder({ width: 1920, height: 1080 }), segmentSeconds, durationSec: 2,
      hasAudio: true, preset: 'ultrafast', onProgress: (p) => progress.push(p),
    });
    assert.equal(result.masterPlaylist, 'master.m3u8');
    assert.deepEqual(result.rungs.map((r) => r.name), ['1080p', '720p', '480p', '360p', '240p']);
    assert.deepEqual(result.ffmpegArgs, hlsLadderArgs({
      input: hd, outDir, rungs: planLadder({ width: 1920, height: 1080 }), segmentSeconds, durationSec: 2, hasAudio: true, preset: 'ultrafast', fps: 25,
    }), 'the probed fps completes the same argument list hlsLadderArgs gives');

    const master = await readFile(join(outDir, 'master.m3u8'), 'utf8');
    for (const rung of result.rungs) {
      assert.equal(rung.playlist, `${rung.name}/playlist.m3u8`);
      // ultrafast turns CABAC off, so x264 signals Constrained Baseline: CODECS must say what the stream is.
      assert.match(rung.codecs, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      assert.equal(rung.segments, 2);
      assert.ok(rung.bytes > 0);
      const line = master.split('\n').find((l, i, all) => all[i + 1] === rung.playlist) ?? '';
      assert.match(line, new RegExp(`^#EXT-X-STREAM-INF:BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,RESOLUTION=${rung.width}x${rung.height},CODECS="${rung.codecs.replace('.', '\\.')}",FRAME-RATE=25\\.000$`));
    }

    const keyframes = await Promise.all(result.rungs.map(async (r) => keyframeTimes(await videoPackets(join(outDir, r.playlist)))));
    for (const [i, rungKeyframes] of keyframes.entries()) {
      assert.deepEqual(rungKeyframes, keyframes[0], `${result.rungs[i]?.name} keyframes differ from 1080p`);
    }
    // One keyframe per segment, a segment apart (audio priming may shift the whole timeline by ~21 ms).
    const [first, second] = keyframes[0] ?? [];
    assert.equal(keyframes[0]?.length, 2);
    assert.ok(Math.abs((second ?? 0) - (first ?? 0) - segmentSeconds) < 0.001);

    for (const rung of result.rungs) {
      await assertEverySegmentParses(join(outDir, rung.playlist), temp.dir);
      assert.ok(Math.abs((await streamDuration(join(outDir, rung.playlist))) - 2) <= segmentSeconds, `${rung.name} duration`);
    }
    assert.ok(progress.length > 0);
    assert.equal(progress.at(-1)?.fraction, 1);
    for (let i = 1; i < progress.length; i++) assert.ok((progress[i]?.outTimeSec ?? 0) >= (progress[i - 1]?.outTimeSec ?? 0));
  });

  test('a 360p source yields two rungs (360p, 240p) whose durations match the source within a segment', async () => {
    const outDir = join(temp.dir, 'sd-out');
    const result = await transcodeHlsLadder({
      input: sd, outDir, rungs: planLadder({ width: 640, height: 360 }), segmentSeconds, durationSec: 3, hasAudio: true, preset: 'ultrafast',
    });
    assert.deepEqual(result.rungs.map((r) => `${r.name}=${r.width}x${r.height}`), ['360p=640x360', '240p=426x240']);
    for (const rung of result.rungs) {
      const playlist = join(outDir, rung.playlist);
      assert.ok(Math.abs((await streamDuration(playlist)) - 3) <= segmentSeconds);
      assert.deepEqual(await codecTypes(playlist), ['audio', 'video']);
      await assertEverySegmentParses(playlist, temp.dir);
    }
  });

  test('with a storyboard grid, the same ffmpeg (one input, one decode) also writes the sprite and its VTT', async () => {
    const outDir = join(temp.dir, 'sd-storyboard');
    const storyboardDir = join(temp.dir, 'sd-storyboard-sprite');
    const grid = planStoryboard({ durationSec: 3, width: 640, height: 360, tileWidth: 80 });
    const result = await transcodeHlsLadder({
      input: sd, outDir, rungs: planLadder({ width: 640, height: 360 }), segmentSeconds, durationSec: 3, hasAudio: true, preset: 'ultrafast',
      storyboard: { outDir: storyboardDir, grid },
    });
    assert.equal(result.ffmpegArgs?.filter((a) => a === '-i').length, 1);
    assert.match(result.ffmpegArgs?.join(' ') ?? '', /split=3.*\[s2\]fps=1\/1,scale=80:46,setsar=1,tile=3x1\[sb\]/);
    assert.deepEqual(result.storyboard, { sprite: 'sprite.jpg', vtt: 'storyboard.vtt', ...grid });
    const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', join(storyboardDir, 'sprite.jpg')]);
    assert.equal(stdout.trim(), '240x46');
    assert.equal((await readFile(join(storyboardDir, 'storyboard.vtt'), 'utf8')).match(/#xywh=/g)?.length, 3);
  });

  test('with a poster, the same ffmpeg also writes the frame renderPoster takes at that time, and a time past the end falls back to the first frame', async () => {
    const poster = join(temp.dir, 'sd-poster.jpg');
    const result = await transcodeHlsLadder({
      input: sd, outDir: join(temp.dir, 'sd-poster'), rungs: planLadder({ width: 640, height: 360 }), segmentSeconds, durationSec: 3, hasAudio: true, preset: 'ultrafast',
      poster: { file: poster, atSec: 1.5 },
    });
    assert.equal(result.ffmpegArgs?.filter((a) => a === '-i').length, 1);
    const alone = join(temp.dir, 'sd-poster-alone.jpg');
    await renderPoster({ input: sd, outFile: alone, atSec: 1.5 });
    assert.deepEqual(await readFile(poster), await readFile(alone));
    const first = join(temp.dir, 'sd-poster-first.jpg');
    await renderPoster({ input: sd, outFile: first, atSec: 0 });
    assert.notDeepEqual(await readFile(poster), await readFile(first), 'testsrc2 frames differ over time');

    const late = join(temp.dir, 'sd-poster-late.jpg');
    await transcodeHlsLadder({
      input: sd, outDir: join(temp.dir, 'sd-poster-late'), rungs: planLadder({ width: 640, height: 360 }), segmentSeconds, durationSec: 3, hasAudio: true, preset: 'ultrafast',
      poster: { file: late, atSec: 60 },
    });
    assert.deepEqual(await readFile(late), await readFile(first));
  });

  test('a source without audio yields video-only rungs with no audio codec in CODECS', async () => {
    const outDir = join(temp.dir, 'silent-out');
    const result = await transcodeHlsLadder({
      input: silent, outDir, rungs: planLadder({ width: 426, height: 240 }), segmentSeconds, durationSec: 2, hasAudio: false, preset: 'ultrafast',
    });
    assert.match(result.rungs[0]?.codecs ?? '', /^avc1\.[0-9a-f]{6}$/);
    assert.deepEqual(await codecTypes(join(outDir, result.rungs[0]?.playlist ?? '')), ['video']);
  });

  test('aborting kills ffmpeg and rejects without writing a master playlist', async () => {
    const outDir = join(temp.dir, 'aborted-out');
    const controller = new AbortController();
    const started = transcodeHlsLadder({
      input: hd, outDir, rungs: planLadder({ width: 1920, height: 1080 }), segmentSeconds, durationSec: 2,
      hasAudio: true, preset: 'ultrafast', signal: controller.signal,
      // Abort mid-encode: at the first progress block that is not the final one.
      onProgress: (p) => { if (p.fraction < 1) controller.abort(); },
    });
    await assert.rejects(started, { name: 'AbortError' });
    await assert.rejects(access(join(outDir, 'master.m3u8')));
  });

  test('hlsLadderArgs is one ffmpeg with a split filter, fixed GOP, scene-cut off and fMP4 VOD HLS per rung', () => {
    const args = hlsLadderArgs({
      input: 'in.mp4', outDir: '/out', rungs: planLadder({ width: 1280, height: 720 }), segmentSeconds: 4, durationSec: 10, hasAudio: true, fps: 30,
    });
    const joined = args.join(' ');
    assert.match(joined, /-filter_complex \[0:V:0\]split=4\[s0\]\[s1\]\[s2\]\[s3\];\[s0\]scale=1280:720/);
    assert.equal(args.filter((a) => a === 'libx264').length, 4);
    assert.equal(args.filter((a) => a === 'veryfast').length, 4);
    assert.match(joined, /-g 120 -keyint_min 120/);
    assert.match(joined, /-sc_threshold 0/);
    assert.match(joined, /-hls_segment_type fmp4/);
    assert.match(joined, /-hls_playlist_type vod/);
    assert.ok(args.includes('/out/720p/playlist.m3u8'));
    assert.equal(args.filter((a) => a === '-i').length, 1);
  });
});
