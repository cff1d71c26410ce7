/**
 * A device's MLS side for the Delivery Service tests, built on ts-mls directly (not the
 * SDK, so the server is checked against the library's own messages): key packages bound
 * to the device's Ed25519 identity key and id, a group per conversation, commits as
 * PublicMessages with the Welcome carrying the ratchet tree, and the HTTP calls that carry
 * them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MLS_CIPHER_SUITE, mlsGroupId } from '@twin/chat-protocol';
import { json, type TestPlatform } from '@twin/platform/testing';
import {
  createApplicationMessage,
  createCommit,
  createProposal,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
} from 'ts-mls';
import { createGroupInfoWithRatchetTree } from 'ts-mls/createCommit.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { bearer, type TestDevice } from './core-helpers.ts';

let suite: Promise<CiphersuiteImpl> | undefined;
export const cs = () => (suite ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHER_SUITE)));

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
export const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export function decode(bytes: Uint8Array): MLSMessage {
  const decoded = decodeMlsMessage(bytes, 0);
  assert.ok(decoded);
  return decoded[0];
}

export interface Committed {
  readonly status: number;
  readonly body: any;
  readonly commit: Uint8Array;
  readonly welcome: Uint8Array | undefined;
  /** The state the commit leads to (adopted by `submit` when the server took it). */
  readonly next: ClientState;
}

/** One device's MLS state and its calls to the Delivery Service. */
export class MlsDevice {
  /** The node this device talks to (a test of several nodes moves it). */
  t: TestPlatform;
  readonly device: TestDevice;
  readonly signKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly groups = new Map<string, ClientState>();
  readonly #held = new Map<string, { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }>();

  constructor(t: TestPlatform, device: TestDevice) {
    this.t = t;
    this.device = device;
    const jwk = device.privateKey.export({ format: 'jwk' });
    this.signKey = unb64(jwk.d!);
    this.publicKey = unb64(jwk.x!);
  }

  get deviceId(): string {
    return this.device.deviceId;
  }

  /** A key package bound to this device (or signed as `as` claims, for forgery tests). */
  async keyPackage(as: { deviceId?: string; signKey?: Uint8Array; publicKey?: Uint8Array; lifetime?: typeof defaultLifetime } = {}): Promise<{ publicPackage: KeyPackage; bytes: Uint8Array }> {
    const generated = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: new TextEncoder().encode(as.deviceId ?? this.deviceId) },
      defaultCapabilities(),
      as.lifetime ?? defaultLifetime,
      [],
      { signKey: as.signKey ?? this.signKey, publicKey: as.publicKey ?? this.publicKey },
      await cs(),
    );
    this.#held.set(hex(await makeKeyPackageRef(generated.publicPackage, (await cs()).hash)), generated);
    return { publicPackage: generated.publicPackage, bytes: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: generated.publicPackage }) };
  }

  async upload(count: number, lastResort = true): Promise<any> {
    const keyPackages = await Promise.all(Array.from({ length: count }, async () => b64((await this.keyPackage()).bytes)));
    const res = await this.post('/v1/mls/key-packages', { keyPackages, ...(lastResort ? { lastResort: b64((await this.keyPackage()).bytes) } : {}) });
    assert.equal(res.statusCode, 201, res.body);
    return json(res);
  }

  claim(accountId: string, deviceIds?: string[]) {
    return this.post(`/v1/accounts/${accountId}/key-packages/claim`, deviceIds ? { deviceIds } : {});
  }

  /** Claims one package per device of each account (200 expected). */
  async claimAll(accountIds: readonly string[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const accountId of accountIds) {
      const res = await this.claim(accountId);
      assert.equal(res.statusCode, 200, res.body);
      out.push(...json(res).keyPackages.map((k: { keyPackage: string }) => unb64(k.keyPackage)));
    }
    return out;
  }

  /** Creates the conversation's group and registers it (201 expected). */
  async createGroup(conversationId: string): Promise<void> {
    const res = await this.register(conversationId);
    assert.equal(res.statusCode, 201, res.body);
  }

  /** Creates the conversation's group and asks the server to register it; keeps the group on 201. */
  async register(conversationId: string) {
    const own = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: new TextEncoder().encode(this.deviceId) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: this.signKey, publicKey: this.publicKey },
      await cs(),
    );
    const state = await createGroup(mlsGroupId(conversationId), own.publicPackage, own.privatePackage, [], await cs());
    const groupInfo = await createGroupInfoWithRatchetTree(state.groupContext, state.confirmationTag, state, state.ratchetTree, [], await cs());
    const res = await this.post(`/v1/conversations/${conversationId}/mls/group`, { groupInfo: b64(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo })) });
    if (res.statusCode === 201) this.groups.set(conversationId, state);
    return res;
  }

  /** Builds a commit on the current state (not applied). */
  async buildCommit(conversationId: string, change: { add?: readonly Uint8Array[]; removeLeaves?: readonly number[] } = {}): Promise<{ commit: Uint8Array; welcome: Uint8Array | undefined; next: ClientState }> {
    const state = this.groups.get(conversationId);
    assert.ok(state, `no group for ${conversationId}`);
    const proposals: Proposal[] = [
      ...(change.add ?? []).map((bytes): Proposal => {
        const message = decode(bytes);
        assert.equal(message.wireformat, 'mls_key_package');
        return { proposalType: 'add', add: { keyPackage: (message as Extract<MLSMessage, { wireformat: 'mls_key_package' }>).keyPackage } };
      }),
      ...(change.removeLeaves ?? []).map((removed): Proposal => ({ proposalType: 'remove', remove: { removed } })),
    ];
    const result = await createCommit({ state, cipherSuite: await cs() }, { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true });
    return {
      commit: encodeMlsMessage(result.commit),
      welcome: result.welcome ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome }) : undefined,
      next: result.newState,
    };
  }

  /** Sends built commit bytes; adopts the next state on 201. */
  async submit(conversationId: string, built: { commit: Uint8Array; welcome: Uint8Array | undefined; next: ClientState }, clientMessageId: string = randomUUID()): Promise<Committed> {
    const res = await this.post(`/v1/conversations/${conversationId}/mls/commits`, {
      clientMessageId,
      commit: b64(built.commit),
      ...(built.welcome ? { welcome: b64(built.welcome) } : {}),
    });
    if (res.statusCode === 201) this.groups.set(conversationId, built.next);
    return { status: res.statusCode, body: json(res), ...built };
  }

  async commit(conversationId: string, change: { add?: readonly Uint8Array[]; removeLeaves?: readonly number[] } = {}): Promise<Committed> {
    return this.submit(conversationId, await this.buildCommit(conversationId, change));
  }

  /** Joins from the first pending Welcome of the conversation in the device's inbox, and drops it there. */
  async joinFromInbox(conversationId: string): Promise<{ epoch: number; commitSeq: number }> {
    const page = json(await this.get('/v1/mls/welcomes'));
    const pending = page.welcomes.find((w: { conversationId: string }) => w.conversationId === conversationId);
    assert.ok(pending, `no Welcome for ${conversationId} in ${JSON.stringify(page)}`);
    const message = decode(unb64(pending.welcome));
    assert.equal(message.wireformat, 'mls_welcome');
    const welcome = (message as Extract<MLSMessage, { wireformat: 'mls_welcome' }>).welcome;
    const ref = welcome.secrets.map((s) => hex(s.newMember)).find((r) => this.#held.has(r));
    assert.ok(ref, 'the Welcome names none of this device’s key packages');
    const held = this.#held.get(ref)!;
    const state = await joinGroup(welcome, held.publicPackage, held.privatePackage, emptyPskIndex, await cs());
    this.groups.set(conversationId, state);
    assert.equal((await this.delete(`/v1/mls/welcomes/${pending.id}`)).statusCode, 204);
    assert.equal(Number(state.groupContext.epoch), pending.epoch);
    return { epoch: pending.epoch, commitSeq: pending.commitSeq };
  }

  /** Applies a commit another device had accepted (bytes from the log). */
  async process(conversationId: string, commit: Uint8Array): Promise<void> {
    const message = decode(commit);
    assert.equal(message.wireformat, 'mls_public_message');
    const result = await processPublicMessage(this.groups.get(conversationId)!, (message as Extract<MLSMessage, { wireformat: 'mls_public_message' }>).publicMessage, emptyPskIndex, await cs());
    this.groups.set(conversationId, result.newState);
  }

  /** A standalone proposal as a PublicMessage (which the gate does not take). */
  async proposal(conversationId: string, proposal: Proposal): Promise<Uint8Array> {
    const result = await createProposal(this.groups.get(conversationId)!, true, proposal, await cs());
    return encodeMlsMessage(result.message);
  }

  async encrypt(conversationId: string, text: string): Promise<Uint8Array> {
    const result = await createApplicationMessage(this.groups.get(conversationId)!, new TextEncoder().encode(text), await cs());
    this.groups.set(conversationId, result.newState);
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage });
  }

  epoch(conversationId: string): number {
    return Number(this.groups.get(conversationId)!.groupContext.epoch);
  }

  /** Leaf index of a device in this device's view of the group. */
  leafOf(conversationId: string, deviceId: string): number {
    const tree = this.groups.get(conversationId)!.ratchetTree;
    for (let i = 0; i < tree.length; i += 2) {
      const node = tree[i];
      if (node?.nodeType === 'leaf' && node.leaf.credential.credentialType === 'basic' && new TextDecoder().decode(node.leaf.credential.identity) === deviceId) return i / 2;
    }
    throw new Error(`device ${deviceId} is not in the group`);
  }

  post(url: string, payload: unknown) {
    return this.t.app.inject({ method: 'POST', url, headers: bearer(this.device.token), payload: payload as object });
  }

  get(url: string) {
    return this.t.app.inject({ method: 'GET', url, headers: bearer(this.device.token) });
  }

  delete(url: string) {
    return this.t.app.inject({ method: 'DELETE', url, headers: bearer(this.device.token) });
  }
}

/** A group conversation created over HTTP (the creator is its admin); resolves its id. */
export async function createConversation(t: TestPlatform, creator: TestDevice, others: readonly string[], type: 'group' | 'direct' = 'group'): Promise<string> {
  const payload = type === 'group' ? { type, title: 'mls', memberAccountIds: others } : { type, accountId: others[0] };
  const res = await t.app.inject({ method: 'POST', url: '/v1/conversations', headers: bearer(creator.token), payload });
  assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
  return json(res).id;
}

/** The conversation log as `device` reads it, ascending. */
export async function logOf(t: TestPlatform, device: TestDevice, conversationId: string): Promise<any[]> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages?limit=500`, headers: bearer(device.token) });
  assert.equal(res.statusCode, 200, res.body);
  return json(res).messages.reverse();
}
