/**
 * The conversation roster's word on a commit (the Delivery Service's policy, applied after
 * the commit verified and applied cleanly to the public group state). The roster — members
 * and admins, changed through the conversations API — decides who belongs; the MLS group
 * follows it, one commit at a time:
 *
 * - Every leaf a commit adds, and the committer's own leaf after its update path, carries
 *   the registered identity key of an active device its credential names, and that device's
 *   account is a current member.
 * - A member's own devices may add and remove its other devices.
 * - Adding the first leaves of another account (it joins the group's MLS state) takes an
 *   admin in a group; in a direct conversation either member may.
 * - Leaves of another account that is still a member are not the committer's to change —
 *   except leaves of devices that were removed from their account, which anyone may prune.
 * - An account that is no longer a member is removed by an admin (in a group), and in one
 *   commit: all of its leaves go, or the commit is refused.
 */
import { AppError } from '@twin/platform';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { equalBytes, type TreeLeaf } from './mls-codec.ts';
import type { CommitOutcome } from './public-group.ts';

export interface KnownDevice {
  readonly accountId: string;
  /** Raw Ed25519 identity key. */
  readonly identityKey: Uint8Array;
  /** Removed from its account (revoked). */
  readonly removed: boolean;
}

export interface RosterFacts {
  readonly conversationType: 'direct' | 'group';
  /** Current members and their roles. */
  readonly members: ReadonlyMap<string, 'admin' | 'member'>;
  /** Every device the tree or the commit names that exists (removed ones too). */
  readonly devices: ReadonlyMap<string, KnownDevice>;
}

/** Throws `mls_identity_mismatch` unless the leaf is bound to an active device (see the module comment). */
export function checkLeafBinding(leaf: { deviceId: string | undefined; signatureKey: Uint8Array }, facts: RosterFacts): KnownDevice {
  const device = leaf.deviceId === undefined ? undefined : facts.devices.get(leaf.deviceId);
  if (!device || device.removed || !equalBytes(device.identityKey, leaf.signatureKey)) {
    throw new AppError(chatErrors.mls_identity_mismatch, `A leaf must be an active device whose identity key signs it; ${leaf.deviceId ?? 'a leaf without a device id'} is not.`);
  }
  return device;
}

/** Throws the precise 403/409 when the commit's changes break the roster rules. */
export function checkCommitAgainstRoster(committer: DeviceIdentity, leavesBefore: readonly TreeLeaf[], outcome: CommitOutcome, facts: RosterFacts): void {
  const role = facts.members.get(committer.accountId);
  if (!role) throw new AppError(chatErrors.not_a_member);
  if (outcome.pathLeaf) {
    if (outcome.pathLeaf.deviceId !== committer.deviceId) throw new AppError(chatErrors.mls_identity_mismatch, 'The update path must keep the committer’s own device id.');
    checkLeafBinding(outcome.pathLeaf, facts);
  }
  const accountOf = (deviceId: string | undefined) => (deviceId === undefined ? undefined : facts.devices.get(deviceId)?.accountId);
  const changes = new Map<string, { adds: number; removes: Set<number>; prunes: Set<number> }>();
  const changesOf = (accountId: string) => {
    let entry = changes.get(accountId);
    if (!entry) changes.set(accountId, (entry = { adds: 0, removes: new Set(), prunes: new Set() }));
    return entry;
  };
  for (const leaf of outcome.added) {
    const device = checkLeafBinding(leaf, facts);
    if (!facts.members.has(device.accountId)) throw new AppError(chatErrors.mls_device_not_member, `Device ${leaf.deviceId} belongs to an account that is not a member.`);
    changesOf(device.accountId).adds++;
  }
  for (const leaf of outcome.removed) {
    const device = leaf.deviceId === undefined ? undefined : facts.devices.get(leaf.deviceId);
    // A leaf whose device is gone from its account (or unknown) is pruned, whoever commits.
    if (!device || device.removed) {
      if (device) changesOf(device.accountId).prunes.add(leaf.leafIndex);
      continue;
    }
    changesOf(device.accountId).removes.add(leaf.leafIndex);
  }

  for (const [accountId, change] of changes) {
    if (accountId === committer.accountId) continue;
    const before = leavesBefore.filter((leaf) => accountOf(leaf.deviceId) === accountId);
    if (!facts.members.has(accountId)) {
      // Adds were refused above; what is left is removing a departed account.
      if (facts.conversationType === 'group' && role !== 'admin') throw new AppError(chatErrors.not_an_admin, 'Only an admin removes another account from the group.');
      const gone = new Set([...change.removes, ...change.prunes]);
      if (before.some((leaf) => !gone.has(leaf.leafIndex))) {
        throw new AppError(chatErrors.mls_incomplete_removal, `Account ${accountId} left the conversation: remove all of its leaves in one commit.`, { details: { accountId } });
      }
      continue;
    }
    if (change.removes.size > 0) throw new AppError(chatErrors.mls_not_your_devices, `Only account ${accountId}'s own devices may remove its devices.`);
    if (change.adds > 0) {
      if (before.length > 0) throw new AppError(chatErrors.mls_not_your_devices, `Account ${accountId} is in the group: only its own devices may add its other devices.`);
      if (facts.conversationType === 'group' && role !== 'admin') throw new AppError(chatErrors.not_an_admin, 'Only an admin adds another account to the group.');
    }
  }
}
