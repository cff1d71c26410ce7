import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetention } from './policy.ts';

test('reads a retention duration or until-delivered and refuses anything else', () => {
  assert.deepEqual(parseRetention('30d'), { mode: 'duration', ms: 30 * 86_400_000 });
  assert.deepEqual(parseRetention('until-delivered'), { mode: 'until-delivered' });
  assert.throws(() => parseRetention('forever'), /until-delivered/);
  assert.throws(() => parseRetention('5s'), /between/);
});
