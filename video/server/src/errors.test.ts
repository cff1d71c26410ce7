import assert from 'node:assert/strict';
import { test } from 'node:test';
import { platformErrors } from '@twin/platform';
import { videoErrors } from './errors.ts';

test('every video error key equals its code, is documented, has an error status and does not shadow a platform code', () => {
  for (const [key, spec] of Object.entries(videoErrors)) {
    assert.equal(spec.code, key);
    assert.ok(spec.description.length > 10, `${key} is undocumented`);
    assert.ok(spec.status >= 400 && spec.status < 600, `${key} has status ${spec.status}`);
    assert.match(key, /^[a-z][a-z_]*$/);
    assert.ok(!(key in platformErrors), `${key} duplicates a platform code`);
  }
});
