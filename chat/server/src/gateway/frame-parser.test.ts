import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientFrame } from './frame-parser.ts';

const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

test('parses a valid frame of each kind it is given', () => {
  const parsed = parseClientFrame(text({ type: 'ack', conversationId: '12', seq: 3 }), false);
  assert.deepEqual(parsed, { kind: 'frame', frame: { type: 'ack', conversationId: '12', seq: 3 } });
});

test('treats non-JSON, non-objects, unknown types and binary frames as protocol violations', () => {
  for (const raw of ['{nope', '[1,2]', '"auth"', 'null', JSON.stringify({ type: 'shout' }), JSON.stringify({ seq: 1 })]) {
    assert.equal(parseClientFrame(text(raw), false).kind, 'violation', raw);
  }
  assert.equal(parseClientFrame(text({ type: 'ping' }), true).kind, 'violation');
  // An inherited property name is not a frame type.
  assert.equal(parseClientFrame(text({ type: 'toString' }), false).kind, 'violation');
});

test('reports a schema-invalid send as recoverable, naming the field and echoing the clientMessageId', () => {
  const parsed = parseClientFrame(text({ type: 'send', clientMessageId: 'c-9', conversationId: '1', kind: 'message', body: 'a+b', sentAt: 1 }), false);
  assert.equal(parsed.kind, 'invalid');
  if (parsed.kind !== 'invalid') return;
  assert.equal(parsed.ref, 'c-9');
  assert.ok(parsed.details.some((d) => d.field === '/body'), JSON.stringify(parsed.details));
});

test('echoes the ref of other invalid frames', () => {
  const parsed = parseClientFrame(text({ type: 'ack', conversationId: 'x', seq: 0, ref: 'r1' }), false);
  assert.equal(parsed.kind === 'invalid' && parsed.ref, 'r1');
});
