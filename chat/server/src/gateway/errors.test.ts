import assert from 'node:assert/strict';
import { test } from 'node:test';
import { platformErrors } from '@twin/platform';
import { chatErrors } from '../errors.ts';
import { realtimeErrors } from './errors.ts';

test('every real-time error key equals its code, is documented and shadows no platform or core code', () => {
  for (const [key, spec] of Object.entries(realtimeErrors)) {
    assert.equal(spec.code, key);
    assert.ok(spec.description.length > 10, `${key} is undocumented`);
    assert.ok(spec.status >= 400 && spec.status < 600, `${key} has status ${spec.status}`);
    assert.match(key, /^[a-z][a-z_]*$/);
    assert.ok(!(key in platformErrors) && !(key in chatErrors), `${key} duplicates a code`);
  }
});
