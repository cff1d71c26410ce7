/**
 * End-to-end encryption through the SDK against a real chat server (Delivery Service
 * included), on both engine sets: groups made and grown by commits, texts that only
 * members read, removals and late joiners, concurrent commits that race for an epoch, and
 * MLS state that survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import { fromBase64Url, type ConversationId } from '@twin/chat-protocol';
import { addDevice, createAccount, linkDevice, restartDevice, startChatServer, type ChatServer, type DeviceOptions, type TestAccount, type TestDevice } from '../../test/harness.ts';
import { MemoryChatStore } from '../store/memory.ts';
import { MemoryMlsStateStore } from './state-store.ts';

const texts = (device: TestDevice, conversationId: ConversationId) => device.messages(conversationId).map((m) => m.text);

await forEachEngineSet('chat SDK: end-to-end encryption', (engines) => {
  let server: ChatServer;
  const devices: TestDevice[] = [];
  const mlsStores = new Map<TestDevice, MemoryMlsStateStore>();
  before(async () => {
    server = await startChatServer(engines);
  });
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await server.close();
  });

  /** A device with encryption on (its MLS state in a store a restart can reopen). */
  async function encrypted(account: TestAccount, options: DeviceOptions & { linkFrom?: TestDevice } = {}): Promise<TestDevice> {
    const mlsStore = new MemoryMlsStateStore();
    const withEncryption = { ...options, encryption: { store: mlsStore, keyPackageBatch: 5 } };
    const device = options.linkFrom ? await linkDevice(server, account, options.linkFrom, withEncryption) : await addDevice(server, account, withEncryption);
    devices.push(device);
    mlsStores.set(device, mlsStore);
    return device;
  }

  async function waitForTexts(readers: readonly TestDevice[], conversationId: ConversationId, count: number): Promise<void> {
    await waitFor(`${count} texts on every device`, () => readers.every((d) => texts(d, conversationId).length >= count), 20_000).catch((error: Error) => {
      const seen = readers.map((d) => d.entries(conversationId).map((m) => `${m.seq}:${m.kind}:${m.text ?? m.decryptionError ?? (m.commit ? 'commit' : '')}`).join(' '));
      throw new Error(`${error.message}; seen: ${seen.join(' | ')}`);
    });
  }

  test('a group of 3 accounts × 2 devices: every device reads every text, and the server holds only ciphertext', async () => {
    const [alice, bob, carol] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob'), createAccount(server, 'carol')]);
    const alicePhone = await encrypted(alice);
    const aliceLaptop = await encrypted(alice, { linkFrom: alicePhone });
    const bobPhone = await encrypted(bob);
    const bobLaptop = await encrypted(bob, { linkFrom: bobPhone });
    const carolPhone = await encrypted(carol);
    const carolLaptop = await encrypted(carol, { linkFrom: carolPhone });
    const everyone = [alicePhone, aliceLaptop, bobPhone, bobLaptop, carolPhone, carolLaptop];

    const conversationId = (await alicePhone.client.createGroup('secret plans', [bob.accountId, carol.accountId])).id as ConversationId;
    const group = await alicePhone.client.api.mlsGroup(conversationId);
    assert.equal(group.leaves.length, 6);
    for (const [i, device] of everyone.entries()) await device.client.sendText(conversationId, `marker-${i}-zebra`);
    await waitForTexts(everyone, conversationId, 6);
    for (const device of everyone) {
      assert.deepEqual(new Set(texts(device, conversationId)), new Set(everyone.map((_, i) => `marker-${i}-zebra`)));
      assert.ok(device.messages(conversationId).every((m) => m.encrypted));
      assert.equal(device.client.encryption!.engine.treeHash(conversationId), group.treeHash);
    }

    const stored = await bobPhone.client.api.history(conversationId, { limit: 100 });
    assert.deepEqual(stored.messages.filter((m) => m.kind !== 'mls' && m.kind !== 'system').map((m) => m.kind), [], 'the log holds only MLS and system entries');
    for (const m of stored.messages) assert.ok(!new TextDecoder().decode(fromBase64Url(m.body)).includes('zebra'), 'no plaintext in the log');
  });

  test('a removed member reads nothing sent after; a newly added member reads what follows its join and nothing before', async () => {
    const [alice, bob, carol] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob'), createAccount(server, 'carol')]);
    const [a, b, c] = [await encrypted(alice), await encrypted(bob), await encrypted(carol)];
    const conversationId = (await a.client.createGroup('club', [bob.accountId])).id as ConversationId;
    await a.client.sendText(conversationId, 'before carol');
    await waitForTexts([b], conversationId, 1);

    await a.client.addMember(conversationId, carol.accountId);
    await a.client.sendText(conversationId, 'carol is here');
    await waitForTexts([b], conversationId, 2);
    await waitForTexts([c], conversationId, 1);
    assert.deepEqual(texts(c, conversationId), ['carol is here']);
    // Even with the earlier ciphertext in hand (the server does not deliver it to her), carol cannot read it.
    const earlier = (await b.client.api.history(conversationId, { limit: 100 })).messages.find((m) => m.seq === b.messages(conversationId)[0]!.seq)!;
    await assert.rejects(c.client.encryption!.engine.decrypt(fromBase64Url(earlier.body)), { code: 'mls_stale_epoch' });

    await a.client.removeMember(conversationId, bob.accountId);
    await a.client.sendText(conversationId, 'bob is gone');
    await waitForTexts([c], conversationId, 2);
    assert.deepEqual(texts(c, conversationId), ['carol is here', 'bob is gone']);
    assert.ok(!texts(b, conversationId).includes('bob is gone'));
    // The server no longer delivers to bob; handed the ciphertext anyway, his state has no key for it.
    const gone = (await c.client.api.history(conversationId, { limit: 100 })).messages.find((m) => m.seq === c.messages(conversationId)[1]!.seq)!;
    await assert.rejects(b.client.encryption!.engine.decrypt(fromBase64Url(gone.body)), { code: 'mls_future_epoch' });
  });

  test('two devices commit on the same epoch: one gets 409 stale_epoch, re-applies on the new epoch, and all converge', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const answers: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input instanceof Request ? input.url : input).endsWith('/mls/commits')) answers.push(`${response.status}`);
      return response;
    };
    const a = await encrypted(alice, { fetch: recording });
    const b = await encrypted(bob, { fetch: recording });
    const conversationId = (await a.client.createDirect(bob.accountId)).id as ConversationId;
    await b.client.encryption!.joinFromWelcomes();
    answers.length = 0;
    assert.ok(b.client.encryption!.hasGroup(conversationId));
    const start = a.client.encryption!.engine.epoch(conversationId);
    await Promise.all([a.client.encryption!.selfUpdate(conversationId), b.client.encryption!.selfUpdate(conversationId)]);
    const group = await a.client.api.mlsGroup(conversationId);
    assert.equal(group.epoch, start + 2, 'both updates applied, one epoch each');
    assert.deepEqual(answers.sort(), ['201', '201', '409'], 'the loser was refused once, then accepted on the new epoch');
    await a.client.sendText(conversationId, 'after the race');
    await b.client.sendText(conversationId, 'me too');
    await waitForTexts([a, b], conversationId, 2);
    for (const device of [a, b]) {
      assert.equal(device.client.encryption!.engine.epoch(conversationId), group.epoch);
      assert.equal(device.client.encryption!.engine.treeHash(conversationId), group.treeHash);
    }
  });

  test('a sibling adds a newly linked device to its account’s groups, prunes a removed one, and renews its leaf when due', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const phone = await encrypted(alice);
    const b = await encrypted(bob);
    const conversationId = (await phone.client.createDirect(bob.accountId)).id as ConversationId;
    await phone.client.sendText(conversationId, 'before the laptop');

    const laptop = await encrypted(alice, { linkFrom: phone });
    await phone.client.encryption!.syncOwnDevices();
    await phone.client.sendText(conversationId, 'laptop welcome');
    await waitForTexts([laptop], conversationId, 1);
    assert.deepEqual(texts(laptop, conversationId), ['laptop welcome']);
    const leaves = async () => (await b.client.api.mlsGroup(conversationId)).leaves.map((leaf) => leaf.deviceId).sort();
    assert.deepEqual(await leaves(), [phone.client.deviceId, laptop.client.deviceId, b.client.deviceId].sort());

    await phone.client.api.removeDevice(laptop.client.deviceId);
    await phone.client.encryption!.syncOwnDevices();
    assert.deepEqual(await leaves(), [phone.client.deviceId, b.client.deviceId].sort());

    const before = (await b.client.api.mlsGroup(conversationId)).epoch;
    assert.deepEqual(await phone.client.encryption!.selfUpdateDue(3600_000), [], 'nothing due yet');
    assert.deepEqual(await phone.client.encryption!.selfUpdateDue(0), [conversationId]);
    await phone.client.sendText(conversationId, 'fresh keys');
    await waitFor('bob reads after the update', () => texts(b, conversationId).includes('fresh keys'), 20_000);
    assert.equal(b.client.encryption!.engine.epoch(conversationId), before + 1);
    assert.equal(b.client.encryption!.engine.treeHash(conversationId), phone.client.encryption!.engine.treeHash(conversationId));
  });

  test('MLS state survives a restart, and used key packages are replenished', async () => {
    const [alice, bob] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob')]);
    const a = await encrypted(alice);
    let b = await encrypted(bob);
    const conversationId = (await a.client.createDirect(bob.accountId)).id as ConversationId;
    await a.client.sendText(conversationId, 'one');
    await waitForTexts([b], conversationId, 1);

    const store = b.store as MemoryChatStore;
    const mlsStore = mlsStores.get(b)!;
    b = await restartDevice(server, bob, b, { encryption: { store: mlsStore, keyPackageBatch: 5 } });
    devices.push(b);
    assert.equal(b.store, store);
    assert.ok(b.client.encryption!.hasGroup(conversationId));
    await a.client.sendText(conversationId, 'two');
    await waitForTexts([b], conversationId, 2);
    assert.deepEqual(texts(b, conversationId), ['one', 'two']);
    assert.ok((await b.client.api.keyPackageCount()).available >= 5);

    // A send bob made as his app closed goes out after the restart, and his device still shows his own text.
    await b.stop();
    b.client.sendText(conversationId, 'sent while closing').catch(() => {}); // its client is stopped: it waits in the outbox
    await waitFor('the send in the stored outbox', async () => (await store.getOutbox()).length === 1);
    assert.equal((await store.getOutbox())[0]!.kind, 'mls', 'what goes on the wire is ciphertext');
    b = await restartDevice(server, bob, b, { encryption: { store: mlsStore, keyPackageBatch: 5 } });
    devices.push(b);
    await waitForTexts([a, b], conversationId, 3);
    const own = b.messages(conversationId).at(-1)!;
    assert.deepEqual([own.text, own.fromThisDevice, own.encrypted], ['sent while closing', true, true]);
  });
});
