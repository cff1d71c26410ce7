import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BODY_BYTES } from '@twin/chat-protocol';
import { BodyTooLargeError, decodeTextBody, encodeBytesBody, encodeTextBody } from './body.ts';

test('round-trips text as UTF-8 bytes', () => {
  for (const text of ['', 'hi', 'héllo wörld', '👋🏽 family: 👨‍👩‍👧', 'a'.repeat(1000)]) assert.equal(decodeTextBody(encodeTextBody(text)), text);
  assert.equal(encodeTextBody('hi'), 'aGk');
});

test('refuses a body over the limit before it reaches the wire', () => {
  assert.doesNotThrow(() => encodeBytesBody(new Uint8Array(MAX_BODY_BYTES)));
  assert.throws(() => encodeBytesBody(new Uint8Array(MAX_BODY_BYTES + 1)), BodyTooLargeError);
  assert.throws(() => encodeTextBody('x'.repeat(MAX_BODY_BYTES + 1)), (e: unknown) => e instanceof BodyTooLargeError && e.code === 'payload_too_large');
});

test('never throws on bytes that are not UTF-8 (they came from another device)', () => {
  assert.equal(decodeTextBody(encodeBytesBody(new Uint8Array([0xff, 0x41]))), '\uFFFDA');
});
