import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Compile } from 'typebox/compile';
import { CLIENT_FRAME_TYPES, ClientFrame } from './frames.ts';

const check = Compile(ClientFrame);

test('accepts each client frame type in its documented shape', () => {
  const frames = [
    { type: 'auth', token: 'jwt' },
    { type: 'send', clientMessageId: 'c-1', conversationId: '123', kind: 'message', body: 'aGk', sentAt: 1 },
    { type: 'ack', conversationId: '123', seq: 5 },
    { type: 'read', conversationId: '123', seq: 5 },
    { type: 'typing', conversationId: '123', active: true },
    { type: 'presence-subscribe', accountIds: ['1', '2'] },
    { type: 'sync', conversationId: '123', afterSeq: 0 },
    { type: 'ping', ref: 'p1' },
  ];
  assert.deepEqual(frames.map((f) => f.type), CLIENT_FRAME_TYPES);
  for (const frame of frames) assert.ok(check.Check(frame), JSON.stringify(frame));
});

test('rejects unknown types, server-only kinds and non-base64url bodies', () => {
  assert.equal(check.Check({ type: 'shout' }), false);
  assert.equal(check.Check({ type: 'send', clientMessageId: 'c', conversationId: '1', kind: 'system', body: '', sentAt: 1 }), false);
  assert.equal(check.Check({ type: 'send', clientMessageId: 'c', conversationId: '1', kind: 'message', body: 'a+b/', sentAt: 1 }), false);
  assert.equal(check.Check({ type: 'ack', conversationId: 'not-an-id', seq: 1 }), false);
});
