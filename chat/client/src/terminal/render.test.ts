import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../chat-client.ts';
import { encodeTextBody } from '../body.ts';
import { messageLine, tickFor } from './render.ts';

const base = { id: '9', conversationId: '1', senderAccountId: '2', sentAt: 0, storedAt: new Date(2026, 0, 1, 9, 5).getTime(), mine: false, fromThisDevice: false };

test('shows one tick when stored, two when delivered, and read once read', () => {
  assert.equal(tickFor(5, 4, 0), '✓');
  assert.equal(tickFor(5, 5, 0), '✓✓');
  assert.equal(tickFor(5, 9, 5), '✓✓ read');
});

test('prints time, seq, sender and text, and says so for deleted and system entries', () => {
  const text: ChatMessage = { ...base, seq: 3, kind: 'message', body: encodeTextBody('héllo'), text: 'héllo' };
  assert.equal(messageLine(text, 'bob', '✓'), '[09:05] #3 bob: héllo  ✓');
  assert.equal(messageLine({ ...text, deleted: true, body: '' }, 'bob'), '[09:05] #3 bob: (deleted)');
  assert.equal(messageLine({ ...base, seq: 4, kind: 'tombstone', body: '', refSeq: 3 }, 'bob'), '[09:05] bob deleted message #3');
  assert.equal(messageLine({ ...base, seq: 1, kind: 'system', body: encodeTextBody('{"event":"member_added"}') }, 'bob'), '[09:05] · member added');
});
