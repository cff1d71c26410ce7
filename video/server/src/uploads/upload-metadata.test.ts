import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUploadMetadata } from './upload-metadata.ts';

test('parses channelId, title, filename, tags and defaults visibility to private', () => {
  assert.deepEqual(parseUploadMetadata({ channelId: '12', title: ' Hi ', filename: 'a.mp4', tags: 'a, b,,' }), {
    channelId: '12',
    title: 'Hi',
    filename: 'a.mp4',
    description: '',
    tags: ['a', 'b'],
    visibility: 'private',
  });
});

test('names the field that is missing or wrong', () => {
  assert.match(parseUploadMetadata({ title: 'x', filename: 'a' }) as string, /channelId/);
  assert.match(parseUploadMetadata({ channelId: '1', filename: 'a' }) as string, /title/);
  assert.match(parseUploadMetadata({ channelId: '1', title: 'x' }) as string, /filename/);
  assert.match(parseUploadMetadata({ channelId: '1', title: 'x', filename: 'a', visibility: 'secret' }) as string, /visibility/);
});
