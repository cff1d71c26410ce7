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

test('a small page is one frame, the same as the frames spliced message by message', () => {
  const messages = Array.from({ length: 20 }, (_, i) => message(i + 1));
  const [frame, ...rest] = pageFrames(messages);
  assert.equal(rest.length, 0);
  assert.equal(frame!.count, 20);
  assert.ok(check.Check(JSON.parse(frame!.text)));
  assert.deepEqual(JSON.parse(frame!.text), JSON.parse(deliverFrames(messages)[0]!.text));
});

test('a full page is cut into frames below V8\'s large-string size, every message once and in order', () => {
  const messages = Array.from({ length: MAX_PAGE_MESSAGES }, (_, i) => message(i + 1, 'A'.repeat(200)));
  const frames = pageFrames(messages);
  assert.ok(frames.length > 1);
  for (const f of frames) {
    assert.ok(f.text.length < 128 * 1024, `a frame of ${f.text.length} chars`);
    assert.ok(check.Check(JSON.parse(f.text)));
  }
  assert.deepEqual(frames.map((f) => f.count).reduce((a, b) => a + b), MAX_PAGE_MESSAGES);
  assert.deepEqual(
    frames.flatMap((f) => JSON.parse(f.text).messages),
    deliverFrames(messages).flatMap((f) => JSON.parse(f.text).messages),
  );
});

test('a page past the byte budget or the message limit is cut, never splitting or dropping a message', () => {
  const big = 'A'.repeat(600);
  const seqs = (frames: { text: string }[]) => frames.map((f) => JSON.parse(f.text).messages.map((m: WireMessage) => m.seq));
  const cut = pageFrames([message(1, big), message(2, big), message(3)], 1000);
  assert.deepEqual(seqs(cut).flat(), [1, 2, 3]);
  for (const f of cut) assert.ok(f.text.length <= 1000 || f.count === 1);
  // Uneven bodies: the frame sized by the mean passes the budget and is cut message by message.
  assert.deepEqual(seqs(pageFrames([message(1, 'A'.repeat(2800)), message(2), message(3), message(4)], 3000)), [[1], [2], [3, 4]]);
  // Bodies within the budget, frame past it (ids and keys count too).
  assert.equal(pageFrames([message(1, 'A'.repeat(400)), message(2, 'A'.repeat(400))], 1000).length, 2);
  assert.deepEqual(seqs(pageFrames(Array.from({ length: MAX_PAGE_MESSAGES + 1 }, (_, i) => message(i + 1)))).flat(), Array.from({ length: MAX_PAGE_MESSAGES + 1 }, (_, i) => i + 1));
});
