import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ifRangeHolds, isNotModified } from './conditional.ts';

const version = { etag: '"abc"', lastModified: new Date('2026-01-02T03:04:05.678Z') };
const date = 'Fri, 02 Jan 2026 03:04:05 GMT';

test('If-None-Match matches weakly, lists and *; it overrides If-Modified-Since', () => {
  assert.equal(isNotModified({ 'if-none-match': '"abc"' }, version), true);
  assert.equal(isNotModified({ 'if-none-match': 'W/"abc"' }, version), true);
  assert.equal(isNotModified({ 'if-none-match': '"x", "abc"' }, version), true);
  assert.equal(isNotModified({ 'if-none-match': '*' }, version), true);
  assert.equal(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': date }, version), false);
});

test('If-Modified-Since compares whole seconds and ignores bad dates', () => {
  assert.equal(isNotModified({ 'if-modified-since': date }, version), true);
  assert.equal(isNotModified({ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:04 GMT' }, version), false);
  assert.equal(isNotModified({ 'if-modified-since': 'yesterday' }, version), false);
  assert.equal(isNotModified({}, version), false);
});

test('If-Range keeps the range only for this exact version', () => {
  assert.equal(ifRangeHolds(undefined, version), true);
  assert.equal(ifRangeHolds('"abc"', version), true);
  assert.equal(ifRangeHolds('"old"', version), false);
  assert.equal(ifRangeHolds('W/"abc"', version), false);
  assert.equal(ifRangeHolds(date, version), true);
  assert.equal(ifRangeHolds('Fri, 02 Jan 2026 03:04:04 GMT', version), false);
});
