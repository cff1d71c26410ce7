import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliverFrame, MAX_PAGE_MESSAGES, type WireMessage } from '@twin/chat-protocol';
import { Compile } from 'typebox/compile';
import { deliverFrames } from './deliver-frames.ts';

const check = Compile(DeliverFrame);
const message = (seq: number, body = 'aGk'): WireMessage => ({ id: String(1000 + seq), conversationId: '7', seq, senderAccountId: '1', senderDeviceId: '2', clientMessageId: `c${seq}`, kind: 'message', body, sentAt: 1, storedAt: 2 });

test('frames are valid deliver frames holding every message in order', () => {
  const messages = Array.from({ length: MAX_PAGE_MESSAGES * 2 + 3 }, (_, i) => message(i + 1));
  const frames = deliverFrames(messages).map((f) => JSON.parse(f.text));
  assert.equal(frames.length, 3);
  for (const f of frames) assert.ok(check.Check(f));
  assert.deepEqual(frames.flatMap((f) => f.messages.map((m: WireMessage) => m.seq)), messages.map((m) => m.seq));
});

test('cuts frames at the byte budget but never splits or drops a large message', () => {
  const big = 'A'.repeat(600);
  const frames = deliverFrames([message(1, big), message(2, big), message(3)], 1000).map((f) => JSON.parse(f.text));
  assert.deepEqual(frames.map((f) => f.messages.map((m: WireMessage) => m.seq)), [[1], [2, 3]]);
});
