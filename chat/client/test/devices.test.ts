/**
 * Device life cycle through the SDK: a second device needs a link code from the first,
 * device tokens come from challenge-response, and a removed device is cut off for good
 * (close 4003, no reconnect).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import { fromBase64Url } from '@twin/chat-protocol';
import { ChatApi, ChatApiError, ensureDevice, MemoryChatStore } from '../src/index.ts';
import { DeviceDirectory } from '../src/mls/device-directory.ts';
import { addDevice, createAccount, linkDevice, startChatServer, type ChatServer, type TestDevice } from './harness.ts';

await forEachEngineSet('chat SDK: devices', (engines) => {
  let server: ChatServer;
  const devices: TestDevice[] = [];
  const track = (device: TestDevice) => (devices.push(device), device);
  before(async () => {
    server = await startChatServer(engines);
  });
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await server.close();
  });

  test('a second device is refused without a link code and accepted with one from the first', async () => {
    const alice = await createAccount(server, 'alice');
    const first = track(await addDevice(server, alice));
    const api = new ChatApi({ baseUrl: server.baseUrl });
    await assert.rejects(
      ensureDevice({ api, store: new MemoryChatStore(), accountToken: alice.accountToken }),
      (error: unknown) => error instanceof ChatApiError && error.status === 403 && error.code === 'invalid_link_code',
    );
    const second = track(await linkDevice(server, alice, first));
    const listed = await second.client.api.listDevices(alice.accountId);
    assert.deepEqual(new Set(listed.map((d) => d.deviceId)), new Set([first.client.deviceId, second.client.deviceId]));
    assert.equal(listed.find((d) => d.deviceId === second.client.deviceId)?.publicKey, second.client.device.publicKey);
  });

  test("the device directory vouches for a leaf key only when it is the named device's registered key", async () => {
    const alice = await createAccount(server, 'alice');
    const bob = await createAccount(server, 'bob');
    const phone = track(await addDevice(server, alice));
    const laptop = track(await linkDevice(server, alice, phone));
    const bobPhone = track(await addDevice(server, bob));
    const directory = new DeviceDirectory(bobPhone.client.api);
    const keyOf = (d: TestDevice) => fromBase64Url(d.client.device.publicKey);
    assert.equal(await directory.verify(phone.client.deviceId, keyOf(phone)), true);
    assert.equal(await directory.verify(phone.client.deviceId, keyOf(laptop)), false, "another device's key");
    assert.equal(await directory.verify('9000000000000000001', keyOf(phone)), false, 'a device that does not exist');
    // A removed device's leaf can stay in a group until someone commits the removal: its key still checks out.
    await phone.client.api.removeDevice(laptop.client.deviceId);
    assert.equal(await new DeviceDirectory(bobPhone.client.api).verify(laptop.client.deviceId, keyOf(laptop)), true);
  });

  test('a device token the gateway refuses (4001) is replaced by a freshly minted one and the client connects', async () => {
    const alice = await createAccount(server, 'alice');
    let minted = 0;
    // The first token minted for the socket is spoiled in transit; the gateway must refuse it.
    const spoilFirstToken: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/tokens') || minted++ > 0) return response;
      const body = (await response.json()) as { accessToken: string };
      return new Response(JSON.stringify({ ...body, accessToken: `${body.accessToken.slice(0, -4)}AAAA` }), { status: response.status, headers: response.headers });
    };
    const device = track(await addDevice(server, alice, { connect: false, fetch: spoilFirstToken }));
    const states: string[] = [];
    device.client.on('connection', (event) => states.push(`${event.state}${event.closeCode ? `:${event.closeCode}` : ''}`));
    device.client.connect();
    await device.client.waitForState('live');
    assert.ok(states.includes('waiting:4001'), states.join());
    assert.equal(minted, 2);
    assert.ok((await device.client.api.allConversations()).length === 0);
  });

  test('a removed device is closed with 4003 and does not reconnect', async () => {
    const alice = await createAccount(server, 'alice');
    const keep = track(await addDevice(server, alice));
    const lost = track(await linkDevice(server, alice, keep));
    const states: string[] = [];
    lost.client.on('connection', (event) => states.push(`${event.state}${event.closeCode ? `:${event.closeCode}` : ''}`));
    await keep.client.api.removeDevice(lost.client.deviceId);
    await waitFor('the removed device to be revoked', () => lost.client.state === 'revoked');
    assert.deepEqual(states, ['revoked:4003']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(lost.client.state, 'revoked', 'no reconnect attempt');
    await assert.rejects(lost.client.api.allConversations(), (error: unknown) => error instanceof ChatApiError && error.status === 401);
  });
});
