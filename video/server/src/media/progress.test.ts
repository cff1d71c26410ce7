import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLineParser, type TranscodeProgress } from './progress.ts';

const block = (outTimeUs: string, speed: string, progress: string) =>
  ['frame=120', 'fps=48.5', 'bitrate=N/A', `out_time_us=${outTimeUs}`, 'out_time_ms=' + outTimeUs, 'out_time=00:00:04.000000', `speed=${speed}`, `progress=${progress}`];

test('emits one progress per block with position, fraction, speed and fps', () => {
  const seen: TranscodeProgress[] = [];
  const feed = progressLineParser(10, (p) => seen.push(p));
  for (const line of [...block('4000000', '1.95x', 'continue'), ...block('8000000', '2x', 'continue')]) feed(line);
  assert.deepEqual(seen, [
    { outTimeSec: 4, fraction: 0.4, speed: 1.95, fps: 48.5 },
    { outTimeSec: 8, fraction: 0.8, speed: 2, fps: 48.5 },
  ]);
});

test('skips blocks before the first frame and reports 1 on the final block', () => {
  const seen: TranscodeProgress[] = [];
  const feed = progressLineParser(10, (p) => seen.push(p));
  for (const line of [...block('N/A', 'N/A', 'continue'), ...block('9960000', '2x', 'end')]) feed(line);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.fraction, 1);
  assert.equal(seen[0]?.speed, 2);
});

test('clamps the fraction when output runs past the probed duration', () => {
  const seen: TranscodeProgress[] = [];
  const feed = progressLineParser(2, (p) => seen.push(p));
  for (const line of block('2100000', '3x', 'continue')) feed(line);
  assert.equal(seen[0]?.fraction, 1);
});
