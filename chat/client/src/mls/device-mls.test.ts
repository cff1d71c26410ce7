import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMlsMessage } from 'ts-mls';
import { generateDeviceKeys } from '../identity.ts';
import { DeviceMls, type DeviceMlsOptions, type MlsDeviceIdentity, type StagedCommit } from './device-mls.ts';
import { MlsEngineError, type MlsErrorCode } from './errors.ts';
import { MemoryMlsStateStore } from './state-store.ts';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

async function identity(deviceId: string): Promise<MlsDeviceIdentity> {
  return { deviceId, ...(await generateDeviceKeys()) };
}

async function device(deviceId: string, options?: DeviceMlsOptions): Promise<DeviceMls> {
  return DeviceMls.open(await identity(deviceId), options);
}

async function keyPackageOf(member: DeviceMls): Promise<Uint8Array> {
  return (await member.generateKeyPackages(1)).keyPackages[0]!;
}

/** What the Delivery Service does with an accepted commit: the committer applies it, everyone else processes it, the added join. */
async function deliver(staged: StagedCommit, committer: DeviceMls, others: DeviceMls[], joiners: DeviceMls[] = []): Promise<void> {
  committer.confirmCommit(staged.groupId);
  for (const other of others) await other.processHandshake(staged.commit);
  for (const joiner of joiners) await joiner.joinFromWelcome(staged.welcome!);
}

async function rejects(promise: Promise<unknown>, code: MlsErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof MlsEngineError && error.code === code);
}

function assertConverged(groupId: string, devices: DeviceMls[]): void {
  const [first, ...rest] = devices;
  for (const other of rest) {
    assert.equal(other.epoch(groupId), first!.epoch(groupId));
    assert.equal(other.treeHash(groupId), first!.treeHash(groupId));
    assert.deepEqual(other.members(groupId), first!.members(groupId));
  }
}

/** A group of the given devices, the first one creating it and adding the rest in one commit. */
async function groupOf(groupId: string, [creator, ...rest]: DeviceMls[]): Promise<void> {
  await creator!.createGroup(groupId);
  const staged = await creator!.addDevices(groupId, await Promise.all(rest.map(keyPackageOf)));
  await deliver(staged, creator!, [], rest);
}

test('two and then three devices converge on the same epoch and tree hash, and read each other', async () => {
  const [a, b, c] = await Promise.all([device('1'), device('2'), device('3')]);
  await groupOf('g', [a, b]);
  assertConverged('g', [a, b]);
  assert.equal(a.epoch('g'), 1);

  await deliver(await b.addDevices('g', [await keyPackageOf(c)]), b, [a], [c]);
  assertConverged('g', [a, b, c]);
  assert.deepEqual(a.members('g'), ['1', '2', '3']);

  const fromC = await c.encrypt('g', text('hello from c'));
  for (const reader of [a, b]) {
    const message = await reader.decrypt(fromC);
    assert.deepEqual({ ...message, plaintext: read(message.plaintext) }, { groupId: 'g', epoch: 2, senderDeviceId: '3', plaintext: 'hello from c' });
  }
});

test('commits travel as PublicMessage and application data as PrivateMessage', async () => {
  const [a, b] = await Promise.all([device('1'), device('2')]);
  await a.createGroup('g');
  const staged = await a.addDevices('g', [await keyPackageOf(b)]);
  assert.equal(decodeMlsMessage(staged.commit, 0)?.[0].wireformat, 'mls_public_message');
  assert.equal(decodeMlsMessage(staged.welcome!, 0)?.[0].wireformat, 'mls_welcome');
  await deliver(staged, a, [], [b]);
  assert.equal(decodeMlsMessage(await a.encrypt('g', text('x')), 0)?.[0].wireformat, 'mls_private_message');
  const info = decodeMlsMessage(await a.groupInfo('g'), 0)?.[0];
  assert.equal(info?.wireformat === 'mls_group_info' && info.groupInfo.extensions.some((e) => e.extensionType === 'ratchet_tree'), true);
});

test('a removed device cannot decrypt anything sent after its removal', async () => {
  const [a, b, c] = await Promise.all([device('1'), device('2'), device('3')]);
  await groupOf('g', [a, b, c]);
  const beforeRemoval = c.serialize();
  const staged = await a.removeDevices('g', ['3']);
  assert.deepEqual(staged.removedDeviceIds, ['3']);
  a.confirmCommit('g');
  await b.processHandshake(staged.commit);
  const outcome = await c.processHandshake(staged.commit);
  assert.equal(outcome.removedSelf, true);
  assert.equal(c.hasGroup('g'), false);
  assertConverged('g', [a, b]);
  assert.deepEqual(a.members('g'), ['1', '2']);

  const after = await a.encrypt('g', text('secret after removal'));
  assert.equal(read((await b.decrypt(after)).plaintext), 'secret after removal');
  await rejects(c.decrypt(after), 'mls_unknown_group');
  // Even the state it had before the removal does not reach the new epoch's keys.
  const stale = await DeviceMls.restore(await identity('3'), beforeRemoval);
  await rejects(stale.decrypt(after), 'mls_future_epoch');
});

test('a newly added device reads what is sent after it joined and nothing before', async () => {
  const [a, b, c] = await Promise.all([device('1'), device('2'), device('3')]);
  await groupOf('g', [a, b]);
  const before = await a.encrypt('g', text('before c'));
  await deliver(await a.addDevices('g', [await keyPackageOf(c)]), a, [b], [c]);
  await rejects(c.decrypt(before), 'mls_stale_epoch');
  assert.equal(read((await b.decrypt(before)).plaintext), 'before c');
  const after = await a.encrypt('g', text('after c'));
  assert.equal(read((await c.decrypt(after)).plaintext), 'after c');
});

test('restores from serialize() and from its store, keys and staged commit included, and keeps working', async () => {
  const idA = await identity('1');
  const store = new MemoryMlsStateStore();
  const idB = await identity('2');
  const a = await DeviceMls.open(idA, { store });
  const b = await DeviceMls.open(idB);
  const c = await device('3');
  const spare = await b.generateKeyPackages(2);
  await groupOf('g', [a, b]);
  const cPackage = await keyPackageOf(c);
  const staged = await a.addDevices('g', [cPackage]);
  await a.persist();

  // A restarts between sending its commit and hearing back: the commit arriving through the log is recognised as its own.
  for (const restarted of [await DeviceMls.restore(idA, a.serialize()), await DeviceMls.open(idA, { store })]) {
    assert.deepEqual(restarted.stagedCommit('g')?.commit, staged.commit);
    const outcome = await restarted.processHandshake(staged.commit);
    assert.equal(outcome.own, true);
    assert.equal(restarted.epoch('g'), 2);
  }
  const again = await DeviceMls.open(idA, { store });
  await again.processHandshake(staged.commit);
  await b.processHandshake(staged.commit);
  await c.joinFromWelcome(staged.welcome!);
  assertConverged('g', [again, b, c]);
  assert.equal(read((await c.decrypt(await again.encrypt('g', text('after restart')))).plaintext), 'after restart');
  assert.equal(read((await again.decrypt(await b.encrypt('g', text('to restarted a')))).plaintext), 'to restarted a');

  // Unused key packages survive a restart too: B's spare one still opens a Welcome.
  const restartedB = await DeviceMls.restore(idB, b.serialize());
  assert.equal(restartedB.unusedKeyPackageCount, 2);
  await again.createGroup('h');
  const invite = await again.addDevices('h', [spare.keyPackages[1]!]);
  again.confirmCommit('h');
  await restartedB.joinFromWelcome(invite.welcome!);
  assertConverged('h', [again, restartedB]);
});

test('tampered or garbage input is a clear error, never a crash', async () => {
  const [a, b] = await Promise.all([device('1'), device('2')]);
  await groupOf('g', [a, b]);
  const sealed = await a.encrypt('g', text('intact'));
  const tampered = sealed.slice();
  tampered[tampered.length - 5]! ^= 0x01;
  await rejects(b.decrypt(tampered), 'mls_undecryptable');
  await rejects(b.decrypt(text('not mls at all')), 'mls_malformed');
  await rejects(b.decrypt(sealed.subarray(0, 20)), 'mls_malformed');
  assert.equal(read((await b.decrypt(sealed)).plaintext), 'intact', 'a rejected forgery leaves the state usable');

  const commit = (await a.selfUpdate('g')).commit;
  const forged = commit.slice();
  forged[forged.length - 40]! ^= 0x01;
  await rejects(b.processHandshake(forged), 'mls_invalid_handshake');
  await rejects(b.processHandshake(sealed), 'mls_malformed');
  await rejects(b.joinFromWelcome(commit), 'mls_malformed');
  await rejects(DeviceMls.restore(await identity('2'), text('garbage')), 'mls_corrupt_state');
});

test('a replayed message or commit is rejected', async () => {
  const [a, b] = await Promise.all([device('1'), device('2')]);
  await groupOf('g', [a, b]);
  const sealed = await a.encrypt('g', text('once'));
  await b.decrypt(sealed);
  await rejects(b.decrypt(sealed), 'mls_replay');

  const update = await a.selfUpdate('g');
  await deliver(update, a, [b]);
  await rejects(b.processHandshake(update.commit), 'mls_stale_epoch');
  assertConverged('g', [a, b]);
});

test('two devices commit on the same epoch: the one the server orders first wins, the other re-applies on the new epoch', async () => {
  const [a, b, c, d] = await Promise.all([device('1'), device('2'), device('3'), device('4')]);
  await groupOf('g', [a, b]);
  const fromA = await a.addDevices('g', [await keyPackageOf(c)]);
  const fromB = await b.addDevices('g', [await keyPackageOf(d)]);
  assert.equal(fromA.epoch, fromB.epoch);
  await rejects(b.selfUpdate('g'), 'mls_commit_pending');

  // The server took A's commit: B hears it, loses its own, and builds it again.
  await deliver(fromA, a, [], [c]);
  const lost = await b.processHandshake(fromA.commit);
  assert.deepEqual(lost.supersededStaged?.addedDeviceIds, ['4']);
  assert.equal(b.stagedCommit('g'), undefined);
  const retried = await b.addDevices('g', [await keyPackageOf(d)]);
  await deliver(retried, b, [a, c], [d]);
  assertConverged('g', [a, b, c, d]);
  assert.deepEqual(new Set(a.members('g')), new Set(['1', '2', '3', '4']));
});

test('a one-time key package opens one Welcome; the last-resort one opens any number', async () => {
  const [a, b] = await Promise.all([device('1'), device('2')]);
  const { keyPackages, lastResort } = await b.generateKeyPackages(1);
  assert.equal(b.unusedKeyPackageCount, 1);
  await a.createGroup('g1');
  const first = await a.addDevices('g1', [keyPackages[0]!]);
  await deliver(first, a, [], [b]);
  assert.equal(b.unusedKeyPackageCount, 0);
  await rejects(b.joinFromWelcome(first.welcome!), 'mls_no_key_package');
  for (const groupId of ['g2', 'g3']) {
    await a.createGroup(groupId);
    await deliver(await a.addDevices(groupId, [lastResort]), a, [], [b]);
    assertConverged(groupId, [a, b]);
  }
});

test('refuses to add a device twice or remove one that is not there', async () => {
  const [a, b] = await Promise.all([device('1'), device('2')]);
  await groupOf('g', [a, b]);
  await rejects(a.addDevices('g', [await keyPackageOf(b)]), 'mls_membership_conflict');
  await rejects(a.removeDevices('g', ['9']), 'mls_membership_conflict');
  await rejects(a.addDevices('g', [text('nope')]), 'mls_malformed');
  await rejects(a.encrypt('other', text('x')), 'mls_unknown_group');
});

test('rejects a leaf whose device the directory does not vouch for', async () => {
  const trusted = new Set(['1']);
  const a = await device('1', { verifyDevice: async (deviceId) => trusted.has(deviceId) });
  const b = await device('2');
  await a.createGroup('g');
  await rejects(a.addDevices('g', [await keyPackageOf(b)]), 'mls_invalid_key_package');
});
