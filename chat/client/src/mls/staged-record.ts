/**
 * How a staged commit is saved: what was sent (commit and Welcome bytes, the epoch it was
 * built on, whom it adds and removes) beside the group state it leads to, so a device that
 * restarts while the server decides can still apply it when its bytes come back.
 */
import type { StagedCommit } from './device-mls.ts';
import { MlsEngineError } from './errors.ts';
import { frame, unframe } from './frames.ts';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeStagedRecord(summary: StagedCommit, state: Uint8Array): Uint8Array {
  const meta = { epoch: summary.epoch, added: summary.addedDeviceIds, removed: summary.removedDeviceIds, welcome: summary.welcome !== undefined };
  return frame([utf8.encode(JSON.stringify(meta)), summary.commit, summary.welcome ?? new Uint8Array(), state]);
}

export function decodeStagedRecord(groupId: string, bytes: Uint8Array): { summary: StagedCommit; state: Uint8Array } {
  const [meta, commit, welcome, state] = unframe(bytes);
  if (!meta || !commit || !welcome || !state) throw new MlsEngineError('mls_corrupt_state', 'a saved staged commit does not decode');
  const { epoch, added, removed, welcome: hasWelcome } = JSON.parse(fromUtf8.decode(meta)) as { epoch: number; added: string[]; removed: string[]; welcome: boolean };
  return { summary: { groupId, epoch, commit, welcome: hasWelcome ? welcome : undefined, addedDeviceIds: added, removedDeviceIds: removed }, state };
}
