import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkBoundaries } from './chunks.ts';

test('cuts at the first keyframe at least the target after the previous cut', () => {
  assert.deepEqual(chunkBoundaries([0, 1.5, 3, 4.5, 6, 7.5, 9], 10, 4), [
    { index: 0, startSec: 0, endSec: 4.5 },
    { index: 1, startSec: 4.5, endSec: 10 },
  ]);
});

test('merges a short tail into the last chunk', () => {
  assert.deepEqual(chunkBoundaries([0, 2, 4, 6, 8, 10], 10.5, 2).map((c) => c.startSec), [0, 2, 4, 6, 8]);
  assert.equal(chunkBoundaries([0, 2, 4, 6, 8, 10], 10.5, 2).at(-1)?.endSec, 10.5);
});

test('a source without keyframes after the first is one chunk', () => {
  assert.deepEqual(chunkBoundaries([0.08], 30, 10), [{ index: 0, startSec: 0, endSec: 30 }]);
});
