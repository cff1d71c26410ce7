import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeInt64 } from './integers.ts';

test('normalizeInt64: a number while safe in JavaScript, a decimal string beyond, from bigint or string alike', () => {
  assert.equal(normalizeInt64(0n), 0);
  assert.equal(normalizeInt64(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.equal(normalizeInt64(BigInt(Number.MIN_SAFE_INTEGER)), Number.MIN_SAFE_INTEGER);
  assert.equal(normalizeInt64(BigInt(Number.MAX_SAFE_INTEGER) + 1n), '9007199254740992');
  assert.equal(normalizeInt64(BigInt(Number.MIN_SAFE_INTEGER) - 1n), '-9007199254740992');
  assert.equal(normalizeInt64('7234567890123456789'), '7234567890123456789');
  assert.equal(normalizeInt64('-42'), -42);
});
