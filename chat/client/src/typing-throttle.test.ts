import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { ConversationId } from '@twin/chat-protocol';
import { TypingThrottle } from './typing-throttle.ts';

const A = '1' as ConversationId;

test('sends start once per refresh period however many keystrokes arrive', () => {
  let now = 0;
  const sent: boolean[] = [];
  const typing = new TypingThrottle({ send: (_, active) => sent.push(active), refreshMs: 3000, now: () => now });
  for (; now < 2900; now += 100) typing.keystroke(A);
  assert.deepEqual(sent, [true]);
  now = 3000;
  typing.keystroke(A);
  assert.deepEqual(sent, [true, true]);
  typing.stop(A);
  typing.stop(A);
  assert.deepEqual(sent, [true, true, false]);
});

test('stops on its own after the auto-stop delay without keystrokes', async () => {
  const sent: boolean[] = [];
  const typing = new TypingThrottle({ send: (_, active) => sent.push(active), autoStopMs: 10 });
  typing.keystroke(A);
  await sleep(40);
  assert.deepEqual(sent, [true, false]);
});
