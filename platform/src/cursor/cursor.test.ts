import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { CursorCodec } from './cursor.ts';

const codec = new CursorCodec('a-secret-of-at-least-thirty-two-chars!');
const isInvalidCursor = (e: unknown) => e instanceof AppError && e.code === 'invalid_cursor';

test('round-trips a sort key within its scope', () => {
  const cursor = codec.encode('videos:latest', [1_700_000_000_000, '9100000000000000001']);
  assert.deepEqual(codec.decode('videos:latest', cursor), [1_700_000_000_000, '9100000000000000001']);
  assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
});

test('rejects a forged cursor with invalid_cursor', () => {
  const forged = Buffer.from(JSON.stringify({ v: 1, s: 'videos:latest', k: [0, '1'] })).toString('base64url') + '.AAAAAAAAAAAAAAAAAAAAAA';
  assert.throws(() => codec.decode('videos:latest', forged), isInvalidCursor);
});

test('rejects a cursor whose body was altered', () => {
  const [, tag] = codec.encode('videos:latest', [5]).split('.');
  const altered = Buffer.from(JSON.stringify({ v: 1, s: 'videos:latest', k: [6] })).toString('base64url');
  assert.throws(() => codec.decode('videos:latest', `${altered}.${tag}`), isInvalidCursor);
});

test('rejects a cursor signed with another secret', () => {
  const other = new CursorCodec('another-secret-of-at-least-thirty-two!!').encode('videos:latest', [5]);
  assert.throws(() => codec.decode('videos:latest', other), isInvalidCursor);
});

test('rejects a cursor replayed against another listing', () => {
  assert.throws(() => codec.decode('channel:1', codec.encode('channel:2', [5])), isInvalidCursor);
});

test('rejects garbage without throwing anything but invalid_cursor', () => {
  for (const garbage of ['', '.', 'abc', 'a.b.c', '%%%.%%%', 'x'.repeat(5000)]) {
    assert.throws(() => codec.decode('s', garbage), isInvalidCursor, garbage.slice(0, 20));
  }
});
