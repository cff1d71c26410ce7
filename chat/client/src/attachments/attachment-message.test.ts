import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toBase64Url } from '@twin/chat-protocol';
import { decodeAttachmentBody, encodeAttachmentBody } from './attachment-message.ts';
import type { AttachmentPointer } from './pointer.ts';

const pointer: AttachmentPointer = {
  v: 1,
  id: '913151322339934208',
  key: toBase64Url(new Uint8Array(32).fill(7)),
  sha256: toBase64Url(new Uint8Array(32).fill(9)),
  size: 70_000,
  plainSize: 69_940,
  chunkSize: 65_536,
  mime: 'image/png',
  name: 'cat.png',
};
const body = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

test('round-trips a pointer with and without a caption', () => {
  assert.deepEqual(decodeAttachmentBody(encodeAttachmentBody({ pointer, caption: 'look' })), { pointer, caption: 'look' });
  assert.deepEqual(decodeAttachmentBody(encodeAttachmentBody({ pointer })), { pointer });
});

test('refuses what another device could send that no download could use', () => {
  assert.throws(() => decodeAttachmentBody(toBase64Url(new TextEncoder().encode('not json'))), TypeError);
  assert.throws(() => decodeAttachmentBody(body({ c: 'no pointer' })), TypeError);
  assert.throws(() => decodeAttachmentBody(body({ p: { ...pointer, key: 'short' } })), /key must be 32 bytes/);
  assert.throws(() => decodeAttachmentBody(body({ p: { ...pointer, id: '../etc' } })), /decimal id/);
  assert.throws(() => decodeAttachmentBody(body({ p: pointer, c: 42 })), /caption/);
});
