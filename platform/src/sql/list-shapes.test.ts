import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padList, powerOfTwoChunks } from './list-shapes.ts';

test('padList repeats the last item up to the next power of two', () => {
  assert.deepEqual(padList([]), []);
  assert.deepEqual(padList([1]), [1]);
  assert.deepEqual(padList([1, 2, 3]), [1, 2, 3, 3]);
  assert.deepEqual(padList([1, 2, 3, 4]), [1, 2, 3, 4]);
  assert.deepEqual(padList([1, 2, 3, 4, 5]), [1, 2, 3, 4, 5, 5, 5, 5]);
  const lengths = new Set(Array.from({ length: 300 }, (_, n) => padList(Array.from({ length: n + 1 }, (_, i) => i)).length));
  assert.deepEqual([...lengths], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
});

test('powerOfTwoChunks keeps every item once, in order, in power-of-two runs no longer than the maximum', () => {
  assert.deepEqual(powerOfTwoChunks([], 8), []);
  assert.deepEqual(powerOfTwoChunks([1, 2, 3, 4, 5, 6, 7], 8), [[1, 2, 3, 4], [5, 6], [7]]);
  assert.deepEqual(powerOfTwoChunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  for (let n = 1; n <= 600; n++) {
    const items = Array.from({ length: n }, (_, i) => i);
    const chunks = powerOfTwoChunks(items, 256);
    assert.deepEqual(chunks.flat(), items);
    for (const chunk of chunks) assert.ok(chunk.length <= 256 && Number.isInteger(Math.log2(chunk.length)), `n=${n}: a run of ${chunk.length}`);
  }
});
