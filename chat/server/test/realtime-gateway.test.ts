import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloseCode, MAX_FRAME_BYTES } from '@twin/chat-protocol';
import { forEachEngineSet } from '@twin/platform/testing';
import { bearer, member } from './core-helpers.ts';
import { startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

forEachEngineSet('chat gateway', (engines) => {
  let t: ListeningPlatform;
  before(async () => {
    t = await startListening(engines, { CHAT_WS_AUTH_TIMEOUT: '200ms', CHAT_WS_HEARTBEAT: '100ms', CHAT_WS_IDLE_TIMEOUT: '400ms' });
  });
  after(() => t.close());

  test('authenticates a device token and answers ready with the identity, then pong to ping', async () => {
    const { device } = await member(t);
    const client = await TestClient.connect(t.wsUrl, device.token);
    const ready = client.of('ready')[0]!;
    assert.equal(ready.protocol, 1);
    assert.equal(ready.accountId, device.accountId);
    assert.equal(ready.deviceId, device.deviceId);
    client.send({ type: 'ping', ref: 'p1' });
    await client.waitFor('pong', () => client.of('pong').length > 0);
    assert.equal(client.of('pong')[0]!.ref, 'p1');
    client.close();
  });

  test('closes with 4001 when no auth frame arrives in time', async () => {
    const client = new TestClient(t.wsUrl);
    await client.opened;
    const closed = await client.waitClosed();
    assert.equal(closed.code, CloseCode.unauthorized);
    assert.equal(client.of('error')[0]?.code, 'auth_timeout');
  });

  test('refuses a forged token with an error frame and 4001', async () => {
    const { device } = await member(t);
    const [header, payload] = device.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'auth', token: forged });
    assert.equal((await client.waitClosed()).code, CloseCode.unauthorized);
    assert.equal(client.of('error')[0]?.code, 'unauthorized');
    assert.equal(client.of('ready').length, 0);
  });

  test('refuses an account session token (not a device token)', async () => {
    const { account } = await member(t);
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'auth', token: account.token });
    const closed = await client.waitClosed();
    assert.ok([CloseCode.unauthorized, CloseCode.deviceRevoked].includes(closed.code as 4001), String(closed.code));
    assert.equal(client.of('ready').length, 0);
  });

  test('a frame before auth is a protocol violation: error frame, then 1008', async () => {
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'ping' });
    assert.equal((await client.waitClosed()).code, CloseCode.policyViolation);
    assert.equal(client.of('error')[0]?.code, 'protocol_violation');
  });

  test('malformed JSON and unknown frame types get an error frame and close 1008', async () => {
    const { device } = await member(t);
    for (const bad of ['{"type":', JSON.stringify({ type: 'shout', text: 'hi' }), '[]']) {
      const client = await TestClient.connect(t.wsUrl, device.token);
      client.send(bad);
      assert.equal((await client.waitClosed()).code, CloseCode.policyViolation, bad);
      assert.equal(client.of('error').at(-1)?.code, 'protocol_violation', bad);
    }
  });

  test('a schema-invalid frame of a known type is answered with validation_failed and the socket stays open', async () => {
    const { device } = await member(t);
    const client = await TestClient.connect(t.wsUrl, device.token);
    client.send({ type: 'send', clientMessageId: 'c-1', conversationId: '1', kind: 'system', body: 'aGk', sentAt: 1 });
    client.send({ type: 'ack', conversationId: 'nope', seq: 1, ref: 'a1' });
    await client.waitFor('two errors', () => client.of('error').length >= 2);
    const [sendError, ackError] = client.of('error');
    assert.deepEqual([sendError!.code, sendError!.ref], ['validation_failed', 'c-1']);
    assert.deepEqual([ackError!.code, ackError!.ref], ['validation_failed', 'a1']);
    client.send({ type: 'ping', ref: 'still-open' });
    await client.waitFor('pong', () => client.of('pong').length > 0);
    assert.equal(client.closed, undefined);
    client.close();
  });

  test('a frame larger than MAX_FRAME_BYTES closes the socket with 1009', async () => {
    const { device } = await member(t);
    const client = await TestClient.connect(t.wsUrl, device.token);
    client.send({ type: 'ping', ref: 'x', pad: 'x'.repeat(MAX_FRAME_BYTES) });
    assert.equal((await client.waitClosed()).code, CloseCode.messageTooBig);
  });

  test('a socket that answers nothing is closed with 4008 after the idle timeout', async () => {
    const { device } = await member(t);
    const client = new TestClient(t.wsUrl, { autoPong: false });
    await client.opened;
    client.send({ type: 'auth', token: device.token });
    assert.equal((await client.waitClosed()).code, CloseCode.idleTimeout);
  });

  test('an upgrade without the twin-chat.v1 subprotocol is refused, and a plain GET answers 426', async () => {
    const client = new TestClient(t.wsUrl, { protocols: [] });
    await assert.rejects(client.opened, /400/);
    const plain = await t.app.inject({ method: 'GET', url: '/v1/chat/ws' });
    assert.equal(plain.statusCode, 426);
  });

  test('a removed device is refused at auth with 4003', async () => {
    const { device } = await member(t);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${device.deviceId}`, headers: bearer(device.token) });
    assert.equal(removed.statusCode, 204, removed.body);
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'auth', token: device.token });
    const closed = await client.waitClosed();
    assert.ok([CloseCode.unauthorized, CloseCode.deviceRevoked].includes(closed.code as 4001), String(closed.code));
    assert.equal(client.of('ready').length, 0);
  });

  test('a connected device is closed with 4003 when it is removed', async () => {
    const { device } = await member(t);
    const client = await TestClient.connect(t.wsUrl, device.token);
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${device.deviceId}`, headers: bearer(device.token) });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await client.waitClosed()).code, CloseCode.deviceRevoked);
  });
});
