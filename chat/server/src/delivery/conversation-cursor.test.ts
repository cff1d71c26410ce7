import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationCursor } from './conversation-cursor.ts';

test('sends the next seq, skips what was sent and flags a gap for anything beyond the next', () => {
  const cursor = new ConversationCursor(4);
  assert.equal(cursor.offer(5), 'send');
  assert.equal(cursor.offer(5), 'duplicate');
  assert.equal(cursor.offer(3), 'duplicate');
  assert.equal(cursor.offer(8), 'gap');
  assert.equal(cursor.sentUpTo, 5);
  assert.equal(cursor.knownEnd, 8);
  assert.ok(cursor.behind);
  // The gap stays a gap until the log read fills it.
  assert.equal(cursor.offer(7), 'gap');
  cursor.sentUpTo = 7;
  assert.equal(cursor.offer(8), 'send');
  assert.equal(cursor.behind, false);
});

test('a rewind moves the mark and invalidates reads in flight', () => {
  const cursor = new ConversationCursor(10);
  const epoch = cursor.epoch;
  cursor.rewind(2);
  assert.equal(cursor.sentUpTo, 2);
  assert.notEqual(cursor.epoch, epoch);
  assert.ok(cursor.behind, 'the log end it heard of is still known');
});
