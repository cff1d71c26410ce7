import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MarkerTable } from './memory-markers.ts';

describe('MarkerTable', () => {
  test('a marker blocks its key until it expires, then the key can be marked again', () => {
    const markers = new MarkerTable();
    assert.equal(markers.empty, true);
    assert.equal(markers.addIfAbsent('views:seen:v1:a', 100, 200), true);
    assert.equal(markers.empty, false);
    assert.equal(markers.addIfAbsent('views:seen:v1:a', 150, 250), false);
    assert.equal(markers.addIfAbsent('views:seen:v1:b', 150, 250), true, 'another key is another marker');
    assert.equal(markers.addIfAbsent('views:seen:v1:a', 200, 300), true, 'expired at 200');
    assert.equal(markers.take('views:seen:v1:a', 250), 300);
  });

  test('take hands over a live marker and removes it; delete removes one; neither finds an expired one', () => {
    const markers = new MarkerTable();
    markers.addIfAbsent('a', 0, 100);
    markers.addIfAbsent('b', 0, 100);
    markers.addIfAbsent('c', 0, 100);
    assert.equal(markers.take('a', 50), 100);
    assert.equal(markers.take('a', 50), undefined);
    markers.delete('b');
    assert.equal(markers.addIfAbsent('b', 50, 150), true);
    assert.equal(markers.take('c', 100), undefined, 'expired');
    assert.equal(markers.take('never', 50), undefined);
  });

  test('grows past many keys and finds every live one after removals in shared probe chains', () => {
    const markers = new MarkerTable();
    const keys = Array.from({ length: 50_000 }, (_, i) => `video:views:seen:${i % 977}:viewer-${i}`);
    for (const key of keys) assert.equal(markers.addIfAbsent(key, 1, 1_000), true);
    assert.ok(markers.capacity >= keys.length * 2, `capacity ${markers.capacity}`);
    keys.forEach((key, i) => i % 2 === 0 && markers.delete(key));
    keys.forEach((key, i) => assert.equal(markers.addIfAbsent(key, 2, 1_000), i % 2 === 0, key));
  });

  test('sweep shrinks a table whose markers have expired, and keeps the live ones', () => {
    const markers = new MarkerTable();
    for (let i = 0; i < 20_000; i++) markers.addIfAbsent(`old-${i}`, 0, 100);
    markers.addIfAbsent('young', 0, 10_000);
    const grown = markers.capacity;
    markers.sweep(500);
    assert.ok(markers.capacity < grown, `${markers.capacity} < ${grown}`);
    assert.equal(markers.addIfAbsent('young', 600, 700), false);
    assert.equal(markers.addIfAbsent('old-1', 600, 700), true);
  });
});
