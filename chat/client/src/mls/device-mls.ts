/**
 * One device's MLS engine (RFC 9420 over ts-mls): its key packages, one group per
 * conversation, the commit it has staged for the server, and encryption of application
 * messages. It is pure (no network): the SDK carries its bytes to and from the Delivery
 * Service. The device's MLS signature key is its Ed25519 identity key and its Basic
 * credential is its device id, so the server can bind every leaf to a registered device.
 *
 * Commits are staged, not applied (§14): the server accepts one commit per epoch, so a
 * commit takes effect when the server confirms it (`confirmCommit`, or the same bytes
 * arriving back through the log); if another device's commit wins the epoch, processing
 * that one drops ours and the caller re-applies its change on the new epoch. Handshakes go
 * out as PublicMessage (the server checks them against the roster), application data as
 * PrivateMessage.
 */
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  joinGroup,
  processPublicMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type Credential,
  type EpochReceiverData,
  type Proposal,
} from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { createGroupInfoWithRatchetTree } from 'ts-mls/createCommit.js';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { fromBase64Url, toBase64Url } from '@twin/chat-protocol';
import { loadCipherSuite } from './cipher-suite.ts';
import { MlsEngineError } from './errors.ts';
import { frame, unframe } from './frames.ts';
import { decodeStagedRecord, encodeStagedRecord } from './staged-record.ts';
import { createKeyPackage, decodeHeldKeyPackage, encodeHeldKeyPackage, encodeKeyPackageMessage, keyPackageRef, toHex, type HeldKeyPackage, type SigningIdentity } from './key-packages.ts';
import { commitChanges, credentialDeviceId, deviceAtLeaf, leavesOf } from './roster.ts';
import type { MlsStateStore } from './state-store.ts';
import { checkEpoch, decodeKeyPackageMessage, decodeMessage, describeMessage, equalBytes, wrapLibraryError, type MessageDescription } from './wire-message.ts';

/** The device identity as the SDK stores it (`StoredDevice`): raw Ed25519 public key and PKCS#8 private key, base64url. */
export interface MlsDeviceIdentity {
  readonly deviceId: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface DeviceMlsOptions {
  /** Where the state is saved by `persist()`; without one, `serialize()` is the only way out. */
  readonly store?: MlsStateStore;
  /**
   * Checks that a leaf's signature key is the registered identity key of the device its
   * credential names (the SDK asks the server's device directory). Without it any
   * well-formed device id is accepted and the server's check is the only one.
   */
  readonly verifyDevice?: (deviceId: string, publicKey: Uint8Array) => Promise<boolean>;
}

/** A commit built on `epoch` and not yet applied: send `commit` (and `welcome`) to the server. */
export interface StagedCommit {
  readonly groupId: string;
  /** The epoch the commit was built on; the server takes it only while the group is still there. */
  readonly epoch: number;
  /** MLSMessage, wire format mls_public_message. */
  readonly commit: Uint8Array;
  /** MLSMessage, wire format mls_welcome, for the added devices (carries the ratchet tree). */
  readonly welcome: Uint8Array | undefined;
  readonly addedDeviceIds: readonly string[];
  readonly removedDeviceIds: readonly string[];
}

export interface HandshakeOutcome {
  readonly groupId: string;
  /** The epoch the group is in now. */
  readonly epoch: number;
  readonly committerDeviceId: string | undefined;
  readonly addedDeviceIds: readonly string[];
  readonly removedDeviceIds: readonly string[];
  /** It was this device's own staged commit coming back: now applied. */
  readonly own: boolean;
  /** This device had a different commit staged for that epoch: it lost and was dropped. */
  readonly supersededStaged: StagedCommit | undefined;
  /** This device was removed by the commit; its state for the group is gone. */
  readonly removedSelf: boolean;
}

export interface DecryptedMessage {
  readonly groupId: string;
  readonly epoch: number;
  /** From the sender's leaf credential, whose key verified the message signature. */
  readonly senderDeviceId: string;
  readonly plaintext: Uint8Array;
}

interface Staged {
  readonly summary: StagedCommit;
  readonly state: ClientState;
  /** Secrets of the current epoch the commit used up: wiped only once it is applied, since a lost race keeps the current epoch. */
  readonly consumed: readonly Uint8Array[];
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const DEVICE_ID = /^[0-9]{1,20}$/;

export class DeviceMls {
  readonly deviceId: string;
  readonly #cs: CiphersuiteImpl;
  readonly #identity: SigningIdentity;
  readonly #config: ClientConfig;
  readonly #store: MlsStateStore | undefined;
  readonly #groups = new Map<string, ClientState>();
  readonly #staged = new Map<string, Staged>();
  readonly #keyPackages = new Map<string, HeldKeyPackage>();
  /** Record names changed since the last `persist()`. */
  readonly #dirty = new Set<string>();

  private constructor(identity: MlsDeviceIdentity, cs: CiphersuiteImpl, options: DeviceMlsOptions) {
    this.deviceId = identity.deviceId;
    this.#cs = cs;
    // ts-mls signs with a PKCS#8 key as given (a 32-byte key would be wrapped into one first).
    this.#identity = {
      credential: { credentialType: 'basic', identity: utf8.encode(identity.deviceId) },
      signKey: fromBase64Url(identity.privateKey),
      publicKey: fromBase64Url(identity.publicKey),
    };
    const verifyDevice = options.verifyDevice;
    this.#config = {
      ...defaultClientConfig,
      authService: {
        async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
          const deviceId = credentialDeviceId(credential);
          if (deviceId === undefined || !DEVICE_ID.test(deviceId)) return false;
          return verifyDevice ? verifyDevice(deviceId, signaturePublicKey) : true;
        },
      },
    };
    this.#store = options.store;
  }

  /** Opens the device's engine with whatever its store saved (nothing for a new device). */
  static async open(identity: MlsDeviceIdentity, options: DeviceMlsOptions = {}): Promise<DeviceMls> {
    const engine = new DeviceMls(identity, await loadCipherSuite(), options);
    if (options.store) engine.#loadRecords(await options.store.load());
    return engine;
  }

  /** Rebuilds an engine from `serialize()` output. */
  static async restore(identity: MlsDeviceIdentity, state: Uint8Array, options: DeviceMlsOptions = {}): Promise<DeviceMls> {
    const engine = new DeviceMls(identity, await loadCipherSuite(), options);
    const parts = unframe(state);
    const records = new Map<string, Uint8Array>();
    for (let i = 0; i + 1 < parts.length; i += 2) records.set(fromUtf8.decode(parts[i]!), parts[i + 1]!);
    engine.#loadRecords(records);
    return engine;
  }

  /** What an MLS message is, read without processing it: for ordering and routing, never for trust. */
  static describe(bytes: Uint8Array): MessageDescription | undefined {
    return describeMessage(bytes);
  }

  // ---- key packages ----

  /**
   * Makes `count` one-time key packages and one last-resort package, keeping their
   * private halves; returns the public halves as MLSMessage bytes for the key directory.
   */
  async generateKeyPackages(count: number): Promise<{ keyPackages: Uint8Array[]; lastResort: Uint8Array }> {
    const keyPackages: Uint8Array[] = [];
    let lastResort: Uint8Array | undefined;
    for (let i = 0; i <= count; i++) {
      const isLastResort = i === count;
      const { publicPackage, privatePackage } = await createKeyPackage(this.#identity, this.#cs);
      const ref = await keyPackageRef(publicPackage, this.#cs);
      this.#keyPackages.set(ref, { publicPackage, privatePackage, lastResort: isLastResort });
      this.#dirty.add(`kp/${ref}`);
      const bytes = encodeKeyPackageMessage(publicPackage);
      if (isLastResort) lastResort = bytes;
      else keyPackages.push(bytes);
    }
    return { keyPackages, lastResort: lastResort! };
  }

  /** One-time key packages still held (not yet used by a Welcome). */
  get unusedKeyPackageCount(): number {
    let count = 0;
    for (const held of this.#keyPackages.values()) if (!held.lastResort) count++;
    return count;
  }

  // ---- groups ----

  /** Starts a group with this device as its only member, at epoch 0. */
  async createGroup(groupId: string): Promise<void> {
    if (this.#groups.has(groupId)) throw new MlsEngineError('mls_membership_conflict', `group ${groupId} exists on this device`);
    const own = await createKeyPackage(this.#identity, this.#cs);
    const state = await createGroup(utf8.encode(groupId), own.publicPackage, own.privatePackage, [], this.#cs, this.#config);
    this.#setGroup(groupId, state);
  }

  /** Drops the group and any staged commit for it (the server refused to register it, or the conversation is gone). */
  forgetGroup(groupId: string): void {
    this.#dropStaged(groupId);
    if (this.#groups.has(groupId)) this.#deleteGroup(groupId);
  }

  hasGroup(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  epoch(groupId: string): number {
    return Number(this.#group(groupId).groupContext.epoch);
  }

  /** The tree hash of the current epoch (base64url): equal on every member that converged. */
  treeHash(groupId: string): string {
    return toBase64Url(this.#group(groupId).groupContext.treeHash);
  }

  /** The device ids of every leaf, in leaf order. */
  members(groupId: string): string[] {
    return leavesOf(this.#group(groupId).ratchetTree).map(([, deviceId]) => deviceId);
  }

  /**
   * The group's current GroupInfo (MLSMessage, mls_group_info) signed by this device, with
   * the ratchet tree in it: what the server keeps to check later commits against.
   */
  async groupInfo(groupId: string): Promise<Uint8Array> {
    const state = this.#group(groupId);
    const groupInfo = await createGroupInfoWithRatchetTree(state.groupContext, state.confirmationTag, state, state.ratchetTree, [], this.#cs);
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
  }

  // ---- commits ----

  /** Stages a commit adding the devices of these key packages (MLSMessage bytes from the key directory). */
  async addDevices(groupId: string, keyPackages: readonly Uint8Array[]): Promise<StagedCommit> {
    const state = this.#group(groupId);
    const present = new Set(leavesOf(state.ratchetTree).map(([, deviceId]) => deviceId));
    const proposals: Proposal[] = keyPackages.map((bytes) => {
      const keyPackage = decodeKeyPackageMessage(bytes);
      const deviceId = credentialDeviceId(keyPackage.leafNode.credential);
      if (deviceId === undefined) throw new MlsEngineError('mls_invalid_key_package', 'a key package without a Basic credential');
      if (present.has(deviceId)) throw new MlsEngineError('mls_membership_conflict', `device ${deviceId} is already in group ${groupId}`);
      present.add(deviceId);
      return { proposalType: 'add', add: { keyPackage } };
    });
    return this.#stage(groupId, state, proposals);
  }

  /** Stages a commit removing every leaf of these devices. */
  async removeDevices(groupId: string, deviceIds: readonly string[]): Promise<StagedCommit> {
    const state = this.#group(groupId);
    const wanted = new Set(deviceIds);
    const proposals: Proposal[] = [];
    for (const [leafIndex, deviceId] of leavesOf(state.ratchetTree)) {
      if (!wanted.delete(deviceId)) continue;
      if (deviceId === this.deviceId) throw new MlsEngineError('mls_membership_conflict', 'a device cannot commit its own removal (RFC 9420 §12.2)');
      proposals.push({ proposalType: 'remove', remove: { removed: leafIndex } });
    }
    if (wanted.size > 0) throw new MlsEngineError('mls_membership_conflict', `not in group ${groupId}: ${[...wanted].join(', ')}`);
    return this.#stage(groupId, state, proposals);
  }

  /** Stages an empty commit with a fresh update path: new keys for this leaf (post-compromise security). */
  async selfUpdate(groupId: string): Promise<StagedCommit> {
    return this.#stage(groupId, this.#group(groupId), []);
  }

  stagedCommit(groupId: string): StagedCommit | undefined {
    return this.#staged.get(groupId)?.summary;
  }

  /** The server accepted the staged commit: the group moves to its epoch. */
  confirmCommit(groupId: string): StagedCommit {
    const staged = this.#staged.get(groupId);
    if (!staged) throw new MlsEngineError('mls_unknown_group', `no staged commit for group ${groupId}`);
    this.#dropStaged(groupId);
    this.#setGroup(groupId, staged.state);
    staged.consumed.forEach(zeroOutUint8Array);
    return staged.summary;
  }

  /** The server refused the staged commit: forget it, the group stays where it is. */
  discardCommit(groupId: string): void {
    this.#dropStaged(groupId);
  }

  /** Applies a commit from the conversation log (PublicMessage bytes), in log order. */
  async processHandshake(bytes: Uint8Array): Promise<HandshakeOutcome> {
    const message = decodeMessage(bytes);
    if (message.wireformat !== 'mls_public_message') throw new MlsEngineError('mls_malformed', `a handshake must be an mls_public_message, got ${message.wireformat}`);
    const content = message.publicMessage.content;
    const groupId = fromUtf8.decode(content.groupId);
    const state = this.#group(groupId);
    const staged = this.#staged.get(groupId);
    if (staged && equalBytes(staged.summary.commit, bytes)) {
      this.confirmCommit(groupId);
      return { ...outcomeOf(staged.summary, this.deviceId), own: true };
    }
    checkEpoch(content.epoch, state.groupContext.epoch, groupId);
    if (content.contentType !== 'commit') throw new MlsEngineError('mls_invalid_handshake', 'only commits are accepted, proposals travel inside them');
    const changes = commitChanges(state.ratchetTree, content.commit);
    const committerDeviceId = content.sender.senderType === 'member' ? deviceAtLeaf(state.ratchetTree, content.sender.leafIndex) : undefined;
    let result;
    try {
      result = await processPublicMessage(state, message.publicMessage, emptyPskIndex, this.#cs);
    } catch (error) {
      throw wrapLibraryError(error, 'mls_invalid_handshake');
    }
    result.consumed.forEach(zeroOutUint8Array);
    if (staged) this.#dropStaged(groupId);
    const removedSelf = result.newState.groupActiveState.kind === 'removedFromGroup';
    if (removedSelf) this.#deleteGroup(groupId);
    else this.#setGroup(groupId, result.newState);
    return {
      groupId,
      epoch: Number(result.newState.groupContext.epoch),
      committerDeviceId,
      addedDeviceIds: changes.added,
      removedDeviceIds: changes.removed,
      own: false,
      supersededStaged: staged?.summary,
      removedSelf,
    };
  }

  /** Joins the group a Welcome (MLSMessage bytes) invites one of this device's key packages to. */
  async joinFromWelcome(bytes: Uint8Array): Promise<{ groupId: string; epoch: number }> {
    const message = decodeMessage(bytes);
    if (message.wireformat !== 'mls_welcome') throw new MlsEngineError('mls_malformed', `expected an mls_welcome, got ${message.wireformat}`);
    const welcome = message.welcome;
    const ref = welcome.secrets.map((secret) => toHex(secret.newMember)).find((candidate) => this.#keyPackages.has(candidate));
    const held = ref === undefined ? undefined : this.#keyPackages.get(ref);
    if (ref === undefined || !held) throw new MlsEngineError('mls_no_key_package', 'the Welcome names none of this device’s key packages');
    let state: ClientState;
    try {
      // The ratchet tree travels in the Welcome's GroupInfo (ratchet_tree extension).
      state = await joinGroup(welcome, held.publicPackage, held.privatePackage, emptyPskIndex, this.#cs, undefined, undefined, this.#config);
    } catch (error) {
      throw wrapLibraryError(error, 'mls_invalid_handshake');
    }
    if (!held.lastResort) {
      this.#keyPackages.delete(ref);
      this.#dirty.add(`kp/${ref}`);
    }
    const groupId = fromUtf8.decode(state.groupContext.groupId);
    this.#dropStaged(groupId);
    this.#setGroup(groupId, state);
    return { groupId, epoch: Number(state.groupContext.epoch) };
  }

  // ---- application messages ----

  /** Encrypts and signs one application message: MLSMessage bytes, wire format mls_private_message. */
  async encrypt(groupId: string, plaintext: Uint8Array): Promise<Uint8Array> {
    const result = await createApplicationMessage(this.#group(groupId), plaintext, this.#cs);
    result.consumed.forEach(zeroOutUint8Array);
    this.#setGroup(groupId, result.newState);
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage });
  }

  /**
   * Decrypts and verifies one application message. This is ts-mls's
   * `processPrivateMessage` for application content, done here because that one does not
   * say who sent the message: the sender's leaf comes out of the decrypted sender data.
   */
  async decrypt(bytes: Uint8Array): Promise<DecryptedMessage> {
    const message = decodeMessage(bytes);
    if (message.wireformat !== 'mls_private_message') throw new MlsEngineError('mls_malformed', `expected an mls_private_message, got ${message.wireformat}`);
    const pm = message.privateMessage;
    if (pm.contentType !== 'application') throw new MlsEngineError('mls_malformed', 'handshakes travel as PublicMessage, not inside a PrivateMessage');
    const groupId = fromUtf8.decode(pm.groupId);
    const state = this.#group(groupId);
    const current = pm.epoch === state.groupContext.epoch;
    if (pm.epoch > state.groupContext.epoch) checkEpoch(pm.epoch, state.groupContext.epoch, groupId);
    const receiver: Pick<EpochReceiverData, 'senderDataSecret' | 'secretTree' | 'ratchetTree' | 'groupContext'> | undefined = current
      ? { senderDataSecret: state.keySchedule.senderDataSecret, secretTree: state.secretTree, ratchetTree: state.ratchetTree, groupContext: state.groupContext }
      : state.historicalReceiverData.get(pm.epoch);
    if (!receiver) throw new MlsEngineError('mls_stale_epoch', `group ${groupId} no longer holds keys for epoch ${pm.epoch}`);
    let result;
    try {
      result = await unprotectPrivateMessage(receiver.senderDataSecret, pm, receiver.secretTree, receiver.ratchetTree, receiver.groupContext, this.#config.keyRetentionConfig, this.#cs);
    } catch (error) {
      throw wrapLibraryError(error, 'mls_undecryptable');
    }
    result.consumed.forEach(zeroOutUint8Array);
    const content = result.content.content;
    const senderDeviceId = content.sender.senderType === 'member' ? deviceAtLeaf(receiver.ratchetTree, content.sender.leafIndex) : undefined;
    if (content.contentType !== 'application' || senderDeviceId === undefined) throw new MlsEngineError('mls_undecryptable', 'not an application message from a member');
    if (current) {
      this.#setGroup(groupId, { ...state, secretTree: result.tree });
    } else {
      const history = new Map(state.historicalReceiverData);
      history.set(pm.epoch, { ...(receiver as EpochReceiverData), secretTree: result.tree });
      this.#setGroup(groupId, { ...state, historicalReceiverData: history });
    }
    return { groupId, epoch: Number(pm.epoch), senderDeviceId, plaintext: content.applicationData };
  }

  // ---- state ----

  /** Saves every record changed since the last call, in one store write. */
  async persist(): Promise<void> {
    if (!this.#store || this.#dirty.size === 0) return;
    const changes = new Map<string, Uint8Array | undefined>();
    for (const name of this.#dirty) changes.set(name, this.#encodeRecord(name));
    this.#dirty.clear();
    await this.#store.save(changes);
  }

  /** The whole state (groups, staged commits, key packages) as one byte string for `restore`. */
  serialize(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const name of this.#recordNames()) {
      const record = this.#encodeRecord(name);
      if (record) parts.push(utf8.encode(name), record);
    }
    return frame(parts);
  }

  /** The saved size of one group's state on this device, in bytes. */
  groupStateSize(groupId: string): number {
    return this.#encodeRecord(`group/${groupId}`)?.length ?? 0;
  }

  #recordNames(): string[] {
    return [
      ...[...this.#groups.keys()].map((id) => `group/${id}`),
      ...[...this.#staged.keys()].map((id) => `staged/${id}`),
      ...[...this.#keyPackages.keys()].map((ref) => `kp/${ref}`),
    ];
  }

  #encodeRecord(name: string): Uint8Array | undefined {
    const slash = name.indexOf('/');
    const kind = name.slice(0, slash);
    const key = name.slice(slash + 1);
    if (kind === 'group') {
      const state = this.#groups.get(key);
      return state && encodeGroupState(state);
    }
    if (kind === 'staged') {
      const staged = this.#staged.get(key);
      if (!staged) return undefined;
      return encodeStagedRecord(staged.summary, encodeGroupState(staged.state));
    }
    const held = this.#keyPackages.get(key);
    return held && encodeHeldKeyPackage(held);
  }

  #loadRecords(records: ReadonlyMap<string, Uint8Array>): void {
    for (const [name, bytes] of records) {
      const slash = name.indexOf('/');
      const kind = name.slice(0, slash);
      const key = name.slice(slash + 1);
      if (kind === 'group') this.#groups.set(key, this.#decodeState(bytes));
      else if (kind === 'staged') this.#staged.set(key, this.#decodeStaged(key, bytes));
      else if (kind === 'kp') this.#keyPackages.set(key, decodeHeldKeyPackage(bytes, this.#identity.signKey));
      else throw new MlsEngineError('mls_corrupt_state', `unknown record ${name}`);
    }
  }

  #decodeState(bytes: Uint8Array): ClientState {
    const decoded = decodeGroupState(bytes, 0);
    if (!decoded) throw new MlsEngineError('mls_corrupt_state', 'a saved group state does not decode');
    return { ...decoded[0], clientConfig: this.#config };
  }

  #decodeStaged(groupId: string, bytes: Uint8Array): Staged {
    const { summary, state } = decodeStagedRecord(groupId, bytes);
    return { summary, state: this.#decodeState(state), consumed: [] };
  }

  async #stage(groupId: string, state: ClientState, proposals: Proposal[]): Promise<StagedCommit> {
    if (this.#staged.has(groupId)) throw new MlsEngineError('mls_commit_pending', `group ${groupId} already has a commit awaiting the server`);
    const changes = commitChanges(state.ratchetTree, { proposals: proposals.map((proposal) => ({ proposalOrRefType: 'proposal', proposal })), path: undefined });
    let result;
    try {
      result = await createCommit({ state, cipherSuite: this.#cs }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
    } catch (error) {
      throw wrapLibraryError(error, 'mls_invalid_key_package');
    }
    const summary: StagedCommit = {
      groupId,
      epoch: Number(state.groupContext.epoch),
      commit: encodeMlsMessage(result.commit),
      welcome: result.welcome && encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome }),
      addedDeviceIds: changes.added,
      removedDeviceIds: changes.removed,
    };
    this.#staged.set(groupId, { summary, state: result.newState, consumed: result.consumed });
    this.#dirty.add(`staged/${groupId}`);
    return summary;
  }

  #group(groupId: string): ClientState {
    const state = this.#groups.get(groupId);
    if (!state) throw new MlsEngineError('mls_unknown_group', `this device is not in group ${groupId}`);
    return state;
  }

  #setGroup(groupId: string, state: ClientState): void {
    this.#groups.set(groupId, state);
    this.#dirty.add(`group/${groupId}`);
  }

  #deleteGroup(groupId: string): void {
    this.#groups.delete(groupId);
    this.#dirty.add(`group/${groupId}`);
  }

  #dropStaged(groupId: string): void {
    if (this.#staged.delete(groupId)) this.#dirty.add(`staged/${groupId}`);
  }
}

function outcomeOf(summary: StagedCommit, deviceId: string): Omit<HandshakeOutcome, 'own'> {
  return {
    groupId: summary.groupId,
    epoch: summary.epoch + 1,
    committerDeviceId: deviceId,
    addedDeviceIds: summary.addedDeviceIds,
    removedDeviceIds: summary.removedDeviceIds,
    supersededStaged: undefined,
    removedSelf: false,
  };
}
