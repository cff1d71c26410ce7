import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, platformErrors } from './errors.ts';

test('every error key equals its code, is documented and has an error status', () => {
  for (const [key, spec] of Object.entries(platformErrors)) {
    assert.equal(spec.code, key);
    assert.ok(spec.description.length > 10, `${key} is undocumented`);
    assert.ok(spec.status >= 400 && spec.status < 600, `${key} has status ${spec.status}`);
    assert.match(key, /^[a-z][a-z_]*$/);
  }
});

test('AppError defaults its message to the code description', () => {
  const error = new AppError(platformErrors.handle_taken);
  assert.equal(error.code, 'handle_taken');
  assert.equal(error.message, platformErrors.handle_taken.description);
});
