import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloseCode } from '@twin/chat-protocol';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import type { Socket } from 'node:net';
import { member } from './core-helpers.ts';
import { assertContiguous, createConversation, sendMessages, startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

/** Enough bytes to fill loopback TCP buffers on both sides and pass the server's threshold. */
const MESSAGES = 320;
const BODY_BYTES = 48 * 1024;

forEachEngineSet('chat slow consumers', (engines) => {
  let t: ListeningPlatform;
  before(async () => {
    t = await startListening(engines, { CHAT_WS_MAX_BUFFERED: '64KiB', CHAT_WS_STUCK_TIMEOUT: '4s' });
  });
  after(() => t.close());

  const laggingCount = async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    return Number(/^chat_ws_lagging_total (\d+)/m.exec(metrics.body)?.[1] ?? 0);
  };
  const tooSlowCloses = async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    return Number(/^chat_ws_server_closes_total\{code="4029"\} (\d+)/m.exec(metrics.body)?.[1] ?? 0);
  };
  const tcp = (client: TestClient) => (client.ws as unknown as { _socket: Socket })._socket;

  test('a socket that stops reading is cut off from live push and, once it reads again, catches up from the log without loss', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await b.waitFor('caught-up', () => b.of('caught-up').length > 0);
    const laggingBefore = await laggingCount();
    tcp(b).pause();
    const sending = sendMessages(a, conversationId, MESSAGES, 'slow', BODY_BYTES);
    await waitFor('the server to stop live push to bob', async () => (await laggingCount()) > laggingBefore, 20_000);
    tcp(b).resume();
    await sending;
    await b.waitFor('everything', () => b.delivered(conversationId).length >= MESSAGES, 20_000);
    assertContiguous(b.delivered(conversationId), 1, MESSAGES);
    assert.equal(b.closed, undefined);
    a.close();
    b.close();
  });

  test('a socket that stays stuck is closed with 4029 and, reconnecting, gets everything by sync', async () => {
    const alice = await member(t, 'alice');
    const bob = await member(t, 'bob');
    const conversationId = await createConversation(t, alice.device.token, [bob.account.accountId], 'direct');
    const a = await TestClient.connect(t.wsUrl, alice.device.token);
    const b = await TestClient.connect(t.wsUrl, bob.device.token);
    await b.waitFor('caught-up', () => b.of('caught-up').length > 0);
    const closesBefore = await tooSlowCloses();
    tcp(b).pause();
    await sendMessages(a, conversationId, MESSAGES, 'stuck', BODY_BYTES);
    await waitFor('the server to close bob with 4029', async () => (await tooSlowCloses()) > closesBefore, 20_000);
    // The close frame may not fit behind a full buffer; the server cuts the TCP connection then.
    tcp(b).resume();
    const closed = await b.waitClosed(20_000);
    assert.ok([CloseCode.tooSlow, 1006].includes(closed.code as 4029), String(closed.code));
    const again = await TestClient.connect(t.wsUrl, bob.device.token);
    await again.waitFor('caught-up', () => again.of('caught-up').length > 0, 20_000);
    assertContiguous(again.delivered(conversationId), 1, MESSAGES);
    again.close();
    a.close();
  });
});
