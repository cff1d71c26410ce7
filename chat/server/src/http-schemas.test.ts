import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStorableId } from './http-schemas.ts';

test('an id is storable when it is decimal and fits a signed 64-bit column', () => {
  assert.equal(isStorableId('1'), true);
  assert.equal(isStorableId('9223372036854775807'), true);
  assert.equal(isStorableId('9223372036854775808'), false);
  assert.equal(isStorableId('99999999999999999999'), false);
  assert.equal(isStorableId('-1'), false);
  assert.equal(isStorableId('1e5'), false);
  assert.equal(isStorableId(''), false);
});
