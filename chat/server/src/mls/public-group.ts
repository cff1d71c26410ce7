/**
 * The Delivery Service's view of one group: the public state every member also holds —
 * group context, ratchet tree (public keys and leaves only) and the current epoch's
 * confirmation tag — and nothing secret. With it the server verifies a commit's signature
 * against the sender's leaf key and the current group context (RFC 9420 §6.1), and
 * computes the next epoch's state exactly as members do: proposals applied to the tree,
 * the committer's update path merged, the new tree hash, and the transcript hashes
 * (§8.2: the next interim hash comes from this epoch's confirmation tag, which the commit
 * itself carries for the next one). It cannot check the membership tag or the
 * confirmation tag (those need the epoch's secrets); a commit that passes here but fails
 * there is one members reject, and only its sender's change is lost.
 *
 * ts-mls 1.6.4 (pinned) applies proposals only to a member's `ClientState`; for a
 * commit by a member, `applyProposals` reads just the fields given to it below.
 */
import { mlsGroupId, MLS_CIPHER_SUITE } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import { emptyPskIndex, type CiphersuiteImpl, type ClientState, type GroupContext, type GroupInfo, type KeyPackage, type PublicMessage, type RatchetTree } from 'ts-mls';
import { applyProposals, nextEpochContext, validateLeafNodeCredentialAndKeyUniqueness, validateLeafNodeUpdateOrCommit, validateRatchetTree } from 'ts-mls/clientState.js';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { verifyFramedContentSignature, type FramedContentCommit } from 'ts-mls/framedContent.js';
import { decodeGroupContext, encodeGroupContext } from 'ts-mls/groupContext.js';
import { ratchetTreeFromExtension, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { applyUpdatePath } from 'ts-mls/updatePath.js';
import { chatErrors } from '../errors.ts';
import { credentialDeviceId, equalBytes, toHex } from './mls-codec.ts';

export interface PublicGroupState {
  readonly context: GroupContext;
  readonly tree: RatchetTree;
  /** This epoch's confirmation tag (the next commit's interim transcript hash input). */
  readonly confirmationTag: Uint8Array;
}

/** How a state is stored: three byte strings. */
export interface EncodedGroupState {
  readonly groupContext: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly confirmationTag: Uint8Array;
}

export interface AddedLeaf {
  readonly leafIndex: number;
  readonly deviceId: string | undefined;
  readonly signatureKey: Uint8Array;
  /** Hex KeyPackageRef: how the commit's Welcome names this leaf. */
  readonly ref: string;
}

export interface RemovedLeaf {
  readonly leafIndex: number;
  readonly deviceId: string | undefined;
}

export interface CommitOutcome {
  readonly next: PublicGroupState;
  readonly committerLeaf: number;
  readonly added: readonly AddedLeaf[];
  readonly removed: readonly RemovedLeaf[];
  /** The committer's leaf as its update path rewrote it (absent without a path). */
  readonly pathLeaf?: { readonly deviceId: string | undefined; readonly signatureKey: Uint8Array };
}

const ALLOWED_PROPOSALS = new Set(['add', 'remove', 'update']);
/** A leaf index no tree reaches: `applyProposals` asks whether "our" leaf was removed, and the server has none. */
const NO_LEAF = 2 ** 31;

const invalidCommit = (message: string, cause?: unknown) => new AppError(chatErrors.mls_invalid_commit, message, { cause });
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function encodeGroupState(state: PublicGroupState): EncodedGroupState {
  return { groupContext: encodeGroupContext(state.context), ratchetTree: encodeRatchetTree(state.tree), confirmationTag: state.confirmationTag };
}

export function decodeGroupState(stored: EncodedGroupState): PublicGroupState {
  const context = decodeGroupContext(stored.groupContext, 0)?.[0];
  const tree = decodeRatchetTree(stored.ratchetTree, 0)?.[0];
  if (!context || !tree) throw new Error('stored MLS group state does not decode');
  return { context, tree, confirmationTag: stored.confirmationTag };
}

/**
 * The state a group starts with, from its creator's GroupInfo at epoch 0 (with the
 * ratchet_tree extension): the conversation's group id, the suite, a tree that validates
 * against the signed tree hash, and a signature by the signer's leaf. Resolves the
 * state and the signer's leaf index; the caller checks who the leaves are.
 */
export async function openGroup(groupInfo: GroupInfo, conversationId: string, cs: CiphersuiteImpl): Promise<{ state: PublicGroupState; signerLeaf: number }> {
  const context = groupInfo.groupContext;
  const invalid = (message: string) => new AppError(chatErrors.mls_invalid_message, message);
  if (!equalBytes(context.groupId, mlsGroupId(conversationId))) throw invalid('The group id must be the conversation id (UTF-8).');
  if (context.cipherSuite !== MLS_CIPHER_SUITE) throw invalid(`Groups must use ${MLS_CIPHER_SUITE}.`);
  if (context.epoch !== 0n) throw invalid('A group is registered at epoch 0, right after it is created.');
  if (context.extensions.length > 0) throw new AppError(chatErrors.mls_unsupported, 'Groups carry no group context extensions here.');
  const tree = ratchetTreeFromExtension(groupInfo);
  if (!tree) throw invalid('The GroupInfo must carry the ratchet_tree extension.');
  const treeError = await validateRatchetTree(tree, context, defaultClientConfig.lifetimeConfig, defaultClientConfig.authService, context.treeHash, cs).catch((error: unknown) => error);
  if (treeError) throw invalid(`The ratchet tree does not validate: ${describe(treeError)}`);
  const signer = tree[groupInfo.signer * 2];
  if (signer?.nodeType !== 'leaf' || !(await verifyGroupInfoSignature(groupInfo, signer.leaf.signaturePublicKey, cs.signature))) {
    throw new AppError(chatErrors.mls_bad_signature, 'The GroupInfo signature does not verify with its signer’s leaf key.');
  }
  return { state: { context, tree, confirmationTag: groupInfo.confirmationTag }, signerLeaf: groupInfo.signer };
}

/**
 * Checks a commit (a PublicMessage for this state's epoch, which the caller has matched)
 * and computes the state it leads to. Throws `mls_bad_signature` when the signature does
 * not verify, `mls_unsupported` for what the Delivery Service does not take, and
 * `mls_invalid_commit` for whatever RFC 9420 forbids.
 */
export async function applyCommit(state: PublicGroupState, message: PublicMessage, cs: CiphersuiteImpl): Promise<CommitOutcome> {
  const content = message.content;
  if (content.sender.senderType !== 'member') throw new AppError(chatErrors.mls_unsupported, 'Only members commit: external commits and proposals are not accepted.');
  if (content.contentType !== 'commit' || message.auth.contentType !== 'commit') {
    throw new AppError(chatErrors.mls_unsupported, 'Only commits are accepted; proposals travel by value inside them.');
  }
  const committerLeaf = content.sender.leafIndex;
  const committer = state.tree[committerLeaf * 2];
  if (committer?.nodeType !== 'leaf') throw invalidCommit(`No member sits at leaf ${committerLeaf}.`);
  const signed = await verifyFramedContentSignature(committer.leaf.signaturePublicKey, 'mls_public_message', content, message.auth, state.context, cs.signature).catch(() => false);
  if (!signed) throw new AppError(chatErrors.mls_bad_signature, 'The commit’s signature does not verify with its sender’s leaf key in the current epoch.');

  const commit = content.commit;
  for (const entry of commit.proposals) {
    if (entry.proposalOrRefType !== 'proposal') throw new AppError(chatErrors.mls_unsupported, 'Proposals must be sent by value inside the commit.');
    if (!ALLOWED_PROPOSALS.has(String(entry.proposal.proposalType))) {
      throw new AppError(chatErrors.mls_unsupported, `Proposal type ${String(entry.proposal.proposalType)} is not accepted (only add, remove, update).`);
    }
  }
  const removed: RemovedLeaf[] = commit.proposals.flatMap((entry) => {
    if (entry.proposalOrRefType !== 'proposal' || entry.proposal.proposalType !== 'remove') return [];
    const leafIndex = entry.proposal.remove.removed;
    const node = state.tree[leafIndex * 2];
    return [{ leafIndex, deviceId: node?.nodeType === 'leaf' ? credentialDeviceId(node.leaf.credential) : undefined }];
  });

  // The fields `applyProposals` reads for a member's commit (see the module comment).
  const view = {
    groupContext: state.context,
    ratchetTree: state.tree,
    unappliedProposals: {},
    clientConfig: defaultClientConfig,
    privatePath: { leafIndex: NO_LEAF },
  } as unknown as ClientState;
  let tree: RatchetTree;
  let addedLeafNodes: Array<[number, KeyPackage]>;
  try {
    const result = await applyProposals(view, commit.proposals, committerLeaf as never, emptyPskIndex, false, cs);
    if (result.additionalResult.kind !== 'memberCommit') throw invalidCommit('Only member commits are accepted.');
    if (result.needsUpdatePath && !commit.path) throw invalidCommit('This commit needs an update path (RFC 9420 §12.4).');
    tree = result.tree;
    addedLeafNodes = result.additionalResult.addedLeafNodes;
    if (commit.path) {
      const leafError =
        (await validateLeafNodeUpdateOrCommit(commit.path.leafNode, committerLeaf, state.context, defaultClientConfig.authService, cs.signature)) ??
        (await validateLeafNodeCredentialAndKeyUniqueness(tree, commit.path.leafNode, committerLeaf));
      if (leafError) throw leafError;
      tree = await applyUpdatePath(tree, committerLeaf as never, commit.path, cs.hash);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalidCommit(`The commit does not apply: ${describe(error)}`, error);
  }
  const context = await nextEpochContext(state.context, 'mls_public_message', content as FramedContentCommit, message.auth.signature, await treeHashRoot(tree, cs.hash), state.confirmationTag, cs.hash);
  const added = await Promise.all(
    addedLeafNodes.map(async ([leafIndex, keyPackage]) => ({
      leafIndex,
      deviceId: credentialDeviceId(keyPackage.leafNode.credential),
      signatureKey: keyPackage.leafNode.signaturePublicKey,
      ref: toHex(await makeKeyPackageRef(keyPackage, cs.hash)),
    })),
  );
  const pathLeaf = commit.path ? { deviceId: credentialDeviceId(commit.path.leafNode.credential), signatureKey: commit.path.leafNode.signaturePublicKey } : undefined;
  return {
    next: { context, tree, confirmationTag: message.auth.confirmationTag },
    committerLeaf,
    added,
    removed,
    ...(pathLeaf ? { pathLeaf } : {}),
  };
}
