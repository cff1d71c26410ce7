/**
 * Who is in a group, read from its ratchet tree: each leaf's Basic credential carries the
 * device id (the server checks that binding against its device directory), so a leaf
 * index maps to a device and a commit's proposals map to the devices it adds and removes.
 */
import type { Commit, Credential, RatchetTree } from 'ts-mls';

const utf8 = new TextDecoder();

export function credentialDeviceId(credential: Credential): string | undefined {
  return credential.credentialType === 'basic' ? utf8.decode(credential.identity) : undefined;
}

/** Leaf i of the tree sits at node 2i (RFC 9420 §4.1 array layout). */
export function deviceAtLeaf(tree: RatchetTree, leafIndex: number): string | undefined {
  const node = tree[leafIndex * 2];
  return node?.nodeType === 'leaf' ? credentialDeviceId(node.leaf.credential) : undefined;
}

/** Every occupied leaf as [leaf index, device id]. */
export function leavesOf(tree: RatchetTree): Array<[number, string]> {
  const leaves: Array<[number, string]> = [];
  for (let node = 0; node < tree.length; node += 2) {
    const entry = tree[node];
    const deviceId = entry?.nodeType === 'leaf' ? credentialDeviceId(entry.leaf.credential) : undefined;
    if (deviceId !== undefined) leaves.push([node / 2, deviceId]);
  }
  return leaves;
}

/** The devices a commit adds and removes, read against the tree of the epoch it was built on. */
export function commitChanges(tree: RatchetTree, commit: Commit): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  for (const entry of commit.proposals) {
    if (entry.proposalOrRefType !== 'proposal') continue;
    const proposal = entry.proposal;
    if (proposal.proposalType === 'add') {
      const deviceId = credentialDeviceId(proposal.add.keyPackage.leafNode.credential);
      if (deviceId !== undefined) added.push(deviceId);
    } else if (proposal.proposalType === 'remove') {
      const deviceId = deviceAtLeaf(tree, proposal.remove.removed);
      if (deviceId !== undefined) removed.push(deviceId);
    }
  }
  return { added, removed };
}
