import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleKey, isValidHandle } from './handles.ts';

test('accepts ordinary handles', () => {
  for (const ok of ['ada', 'Ada_Lovelace', 'grace.hopper', 'x_1', 'a'.repeat(32)]) assert.equal(isValidHandle(ok), true, ok);
});

test('rejects handles that break the rules', () => {
  for (const bad of ['ab', 'a'.repeat(33), '1abc', '_abc', 'ab..c', 'abc.', 'a b', 'ab-c', 'ab@c', 'héllo', '']) {
    assert.equal(isValidHandle(bad), false, bad);
  }
});

test('handles are unique ignoring case', () => {
  assert.equal(handleKey('Alice'), handleKey('aLICE'));
});
