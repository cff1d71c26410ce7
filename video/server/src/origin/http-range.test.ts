import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange } from './http-range.ts';

test('reads single byte ranges, clipping the end to the file', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'range', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'range', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'range', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'range', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'range', start: 0, end: 999 });
  assert.deepEqual(parseRange('Bytes = 5-5', 1000), { kind: 'range', start: 5, end: 5 });
});

test('ranges wholly past the end are unsatisfiable (416)', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=1000-2000', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=2000-,3000-', 1000), { kind: 'unsatisfiable' });
});

test('ignores malformed headers, other units and several ranges (the whole file is sent)', () => {
  for (const header of [undefined, 'items=0-5', 'bytes=', 'bytes=-', 'bytes=5-1', 'bytes=a-b', 'bytes=0-1,5-9', 'bytes=1.5-2']) {
    assert.deepEqual(parseRange(header, 1000), { kind: 'whole' }, String(header));
  }
});
