import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliverFrame, MAX_PAGE_MESSAGES, type WireMessage } from '@twin/chat-protocol';
import { Compile } from 'typebox/compile';
import { deliverFrames, pageFrames } from './deliver-frames.ts';

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

test('a page that fits is one frame, the same as the frames spliced message by message', () => {
  const messages = Array.from({ length: MAX_PAGE_MESSAGES }, (_, i) => message(i + 1));
  const [frame, ...rest] = pageFrames(messages);
  assert.equal(rest.length, 0);
  assert.equal(frame!.count, MAX_PAGE_MESSAGES);
  assert.ok(check.Check(JSON.parse(frame!.text)));
  assert.deepEqual(JSON.parse(frame!.text), JSON.parse(deliverFrames(messages)[0]!.text));
});

test('a page past the byte budget or the message limit is cut like any other', () => {
  const big = 'A'.repeat(600);
  assert.deepEqual(
    pageFrames([message(1, big), message(2, big), message(3)], 1000).map((f) => JSON.parse(f.text).messages.map((m: WireMessage) => m.seq)),
    [[1], [2, 3]],
  );
  // Bodies within the budget, frame past it (ids and keys count too).
  assert.equal(pageFrames([message(1, 'A'.repeat(400)), message(2, 'A'.repeat(400))], 1000).length, 2);
  assert.equal(pageFrames(Array.from({ length: MAX_PAGE_MESSAGES + 1 }, (_, i) => message(i + 1))).length, 2);
});
