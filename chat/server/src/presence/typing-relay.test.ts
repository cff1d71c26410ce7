import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, ConversationId, DeviceId } from '@twin/chat-protocol';
import { MemoryCache } from '@twin/platform/cache';
import { waitFor } from '@twin/platform/testing';
import { TypingRelay, type TypingEvent } from './typing-relay.ts';

test('relays typing through the cache and turns it off by itself when not refreshed within the TTL', async () => {
  const heard: TypingEvent[] = [];
  const relay = new TypingRelay({ cache: new MemoryCache(), ttlMs: 100, deliverLocal: (e) => heard.push(e), onError: (e) => assert.fail(String(e)) });
  await relay.start();
  const event = { conversationId: '5' as ConversationId, accountId: '1' as AccountId, deviceId: '11' as DeviceId, active: true };
  await relay.publish(event);
  await waitFor('typing on', () => heard.length === 1);
  assert.deepEqual(heard[0], event);
  await waitFor('typing off after the TTL', () => heard.length === 2);
  assert.deepEqual(heard[1], { ...event, active: false });
  // An explicit stop after expiry is not repeated.
  await relay.publish({ ...event, active: false });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(heard.length, 2);
  await relay.stop();
});
