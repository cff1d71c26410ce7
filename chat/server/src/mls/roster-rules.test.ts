import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import type { TreeLeaf } from './mls-codec.ts';
import type { AddedLeaf, CommitOutcome, RemovedLeaf } from './public-group.ts';
import { checkCommitAgainstRoster, type RosterFacts } from './roster-rules.ts';

// Accounts A (admin: devices a1, a2), B (b1, b2), C (c1, not yet in the tree), X (x1, left the conversation); r1 is a removed device of B.
const key = (deviceId: string) => new TextEncoder().encode(deviceId.padEnd(32, '.'));
const devices = new Map(
  Object.entries({ a1: 'A', a2: 'A', b1: 'B', b2: 'B', c1: 'C', x1: 'X', x2: 'X', r1: 'B', s1: 'S' }).map(([deviceId, accountId]) => [
    deviceId,
    { accountId, identityKey: key(deviceId), removed: deviceId === 'r1' },
  ]),
);
const facts = (type: 'group' | 'direct' = 'group'): RosterFacts => ({
  conversationType: type,
  members: new Map([
    ['A', 'admin'],
    ['B', 'member'],
    ['C', 'member'],
  ]),
  devices,
});
const tree: TreeLeaf[] = ['a1', 'a2', 'b1', 'b2', 'x1', 'x2', 'r1'].map((deviceId, leafIndex) => ({ leafIndex, deviceId, signatureKey: key(deviceId) }));
const leaf = (deviceId: string) => tree.find((l) => l.deviceId === deviceId)!;
const add = (deviceId: string, signatureKey = key(deviceId)): AddedLeaf => ({ leafIndex: 100, deviceId, signatureKey, ref: deviceId });
const remove = (deviceId: string): RemovedLeaf => ({ leafIndex: leaf(deviceId).leafIndex, deviceId });
const outcome = (committer: string, added: AddedLeaf[] = [], removed: RemovedLeaf[] = []): CommitOutcome => ({
  next: {} as never,
  committerLeaf: leaf(committer).leafIndex,
  added,
  removed,
  pathLeaf: { deviceId: committer, signatureKey: key(committer) },
});
const as = (accountId: string, deviceId: string) => ({ accountId: accountId as AccountId, deviceId: deviceId as DeviceId });
const code = (run: () => void) => {
  try {
    run();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error.code;
  }
};

test('a member’s own devices change its device set; nobody else’s do (leaves of removed devices may be pruned by anyone)', () => {
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1', [], [remove('b2')]), facts())), 'ok');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [], [remove('b2')]), facts())), 'mls_not_your_devices');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [add('b9')]), facts())), 'mls_identity_mismatch');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [], [remove('r1')]), facts())), 'ok');
});

test('adding another account takes an admin in a group, anyone in a direct conversation, and the account must be a member', () => {
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [add('c1')]), facts())), 'ok');
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1', [add('c1')]), facts())), 'not_an_admin');
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1', [add('c1')]), facts('direct'))), 'ok');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [add('s1')]), facts())), 'mls_device_not_member');
  // A's own second device is A's to add, admin or not.
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1', [add('b2')]), facts())), 'ok');
});

test('leaves must carry the identity key of an active device, the committer’s own included', () => {
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [add('c1', key('b1'))]), facts())), 'mls_identity_mismatch');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [add('r1')]), facts())), 'mls_identity_mismatch');
  const forgedPath = { ...outcome('a1'), pathLeaf: { deviceId: 'a1', signatureKey: key('a2') } };
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, forgedPath, facts())), 'mls_identity_mismatch');
  const otherDevicesPath = { ...outcome('a1'), pathLeaf: { deviceId: 'a2', signatureKey: key('a2') } };
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, otherDevicesPath, facts())), 'mls_identity_mismatch');
  assert.equal(code(() => checkCommitAgainstRoster(as('S', 's1'), tree, outcome('a1'), facts())), 'not_a_member');
});

test('an account that left goes whole, by an admin', () => {
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [], [remove('x1')]), facts())), 'mls_incomplete_removal');
  assert.equal(code(() => checkCommitAgainstRoster(as('A', 'a1'), tree, outcome('a1', [], [remove('x1'), remove('x2')]), facts())), 'ok');
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1', [], [remove('x1'), remove('x2')]), facts())), 'not_an_admin');
  // Leaving it in place is allowed: the group may lag the roster by a commit.
  assert.equal(code(() => checkCommitAgainstRoster(as('B', 'b1'), tree, outcome('b1'), facts())), 'ok');
});
