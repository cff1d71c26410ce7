import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { base64UrlByteLength, fromBase64Url, toBase64Url } from './base64url.ts';

test('round-trips every length against Node’s own base64url', () => {
  for (let length = 0; length < 70; length++) {
    const bytes = randomBytes(length);
    const text = toBase64Url(bytes);
    assert.equal(text, bytes.toString('base64url'));
    assert.deepEqual(Buffer.from(fromBase64Url(text)), bytes);
    assert.equal(base64UrlByteLength(text), length);
  }
});

test('rejects characters outside the alphabet and impossible lengths', () => {
  assert.throws(() => fromBase64Url('ab+c'), /invalid base64url character/);
  assert.throws(() => fromBase64Url('abcde'), /invalid base64url length/);
});
