/**
 * The commit gate: each conversation's MLS group is registered once, at epoch 0, and then
 * moves one epoch per accepted commit. A commit (an MLS PublicMessage, so the server can
 * read it) is verified and applied to the group's public state outside any transaction
 * (public-group.ts), then admitted in one transaction that takes the conversation's row
 * lock (the one membership changes take, so the roster cannot change under the check),
 * moves the group from epoch N to N+1 by compare-and-set — of two commits for epoch N,
 * the second finds N gone and gets 409 `stale_epoch` — checks the roster rules
 * (roster-rules.ts), appends the commit to the conversation log as a `kind: 'mls'` entry
 * with its seq and the `chat.messages` outbox event, and files its Welcome in the inbox of
 * exactly the devices it adds. A resend of an accepted commit (same device, same
 * clientMessageId) answers with the original entry; a replay under another id finds its
 * epoch gone.
 *
 * The ratchet tree travels in the Welcome (ratchet_tree extension, RFC 9420 §12.4.3.3),
 * so a joiner needs nothing from the server but its Welcome; the server keeps only the
 * current epoch's public state, and its leaf → device map is read from that tree. Each
 * node keeps recently used states decoded (group-state-cache.ts).
 */
import { mlsGroupId, MLS_CIPHER_SUITE, type ClientMessageId, type MlsGroupView, type RegisterGroupRequest, type SubmitCommitRequest, type SubmitCommitResponse } from '@twin/chat-protocol';
import { AppError, type SnowflakeGenerator } from '@twin/platform';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent, DeviceIdentity } from '../core.ts';
import type { ConversationService } from '../conversations/service.ts';
import { membersOf } from '../conversations/store.ts';
import { chatErrors } from '../errors.ts';
import { messagesEvents } from '../messages/events.ts';
import type { MessageLog } from '../messages/message-log.ts';
import { findByClientIds } from '../messages/store.ts';
import { cipherSuite } from './cipher-suite.ts';
import { GroupStateCache } from './group-state-cache.ts';
import { decodeMlsBytes, equalBytes, leavesOf, type TreeLeaf } from './mls-codec.ts';
import { applyCommit, decodeGroupState, encodeGroupState, openGroup, type PublicGroupState } from './public-group.ts';
import { checkCommitAgainstRoster, checkLeafBinding, type KnownDevice, type RosterFacts } from './roster-rules.ts';
import * as store from './store.ts';
import { welcomeRecipients } from './welcome-routing.ts';

export interface CommitGateDeps {
  db: store.MlsDb;
  ids: SnowflakeGenerator;
  outbox: ChatOutbox;
  log: MessageLog;
  conversations: ConversationService;
  isUniqueViolation: (error: unknown) => boolean;
  now?: () => number;
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

export class CommitGate {
  readonly #deps: CommitGateDeps;
  readonly #db: store.MlsDb;
  readonly #now: () => number;
  readonly #states = new GroupStateCache();

  constructor(deps: CommitGateDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Registers the conversation's group from its creator's GroupInfo at epoch 0: signed by
   * the calling device's leaf, every leaf an active device of the caller's account (a new
   * group holds its creator only; the first commit adds everyone else). In a group only an
   * admin registers: whoever holds the only leaf adds the other accounts, which takes one.
   */
  async register(caller: DeviceIdentity, conversationId: string, request: RegisterGroupRequest): Promise<MlsGroupView> {
    const { conversation, member } = await this.#deps.conversations.membership(this.#db, caller, conversationId);
    if (conversation.type === 'group' && member.role !== 'admin') throw new AppError(chatErrors.not_an_admin, 'Only an admin registers the group’s MLS state: its creator adds the other accounts.');
    const { message } = decodeMlsBytes(request.groupInfo, 'mls_group_info', 'groupInfo');
    const { state, signerLeaf } = await openGroup(message.groupInfo, conversationId, await cipherSuite());
    const leaves = leavesOf(state.tree);
    const facts = await this.#facts(this.#db, conversationId, leaves.map((leaf) => leaf.deviceId));
    for (const leaf of leaves) {
      const device = checkLeafBinding(leaf, facts);
      if (device.accountId !== caller.accountId) throw new AppError(chatErrors.mls_device_not_member, 'A new group holds only its creator’s devices; add the others with the first commit.');
    }
    if (leaves.find((leaf) => leaf.leafIndex === signerLeaf)?.deviceId !== caller.deviceId) {
      throw new AppError(chatErrors.mls_identity_mismatch, 'The GroupInfo must be signed by the calling device’s leaf.');
    }
    const now = this.#now();
    if (!(await store.insertGroup(this.#db, conversationId, 0, encodeGroupState(state), now))) throw new AppError(chatErrors.mls_group_exists);
    this.#states.set(conversationId, 0, state);
    return this.#view(conversationId, 0, state, facts.devices);
  }

  /** The group's epoch, tree hash and leaf → device map, for members. */
  async view(caller: DeviceIdentity, conversationId: string): Promise<MlsGroupView> {
    await this.#deps.conversations.membership(this.#db, caller, conversationId);
    let epoch: number | undefined;
    let state: PublicGroupState | undefined;
    // Retried once: the group may move on between reading its epoch and its state.
    for (let attempt = 0; attempt < 2 && !state; attempt++) {
      epoch = await store.groupEpoch(this.#db, conversationId);
      if (epoch === undefined) throw new AppError(chatErrors.mls_group_not_found);
      state = await this.#state(conversationId, epoch);
    }
    if (!state) throw new AppError(chatErrors.stale_epoch, 'The group is changing; ask again.', { details: { epoch } });
    const leaves = leavesOf(state.tree);
    const facts = await this.#facts(this.#db, conversationId, leaves.map((leaf) => leaf.deviceId));
    return this.#view(conversationId, epoch!, state, facts.devices);
  }

  /** Admits one commit for the group's current epoch (see the module comment). */
  async submit(caller: DeviceIdentity, conversationId: string, request: SubmitCommitRequest): Promise<SubmitCommitResponse> {
    await this.#deps.conversations.membership(this.#db, caller, conversationId);
    const { message, bytes } = decodeMlsBytes(request.commit, 'mls_public_message', 'commit');
    const welcome = request.welcome === undefined ? undefined : decodeMlsBytes(request.welcome, 'mls_welcome', 'welcome');
    const content = message.publicMessage.content;
    if (!equalBytes(content.groupId, mlsGroupId(conversationId))) throw new AppError(chatErrors.mls_invalid_message, 'The commit belongs to another group than this conversation’s.');
    const epoch = await store.groupEpoch(this.#db, conversationId);
    if (epoch === undefined) throw new AppError(chatErrors.mls_group_not_found);
    const resend = { caller, conversationId, clientMessageId: request.clientMessageId, bytes, epochAfter: Number(content.epoch) + 1 };
    if (content.epoch !== BigInt(epoch)) return this.#loser(this.#db, resend);

    const state = await this.#state(conversationId, epoch);
    if (!state) return this.#loser(this.#db, resend);
    const leavesBefore = leavesOf(state.tree);
    const outcome = await applyCommit(state, message.publicMessage, await cipherSuite());
    const committer = leavesBefore.find((leaf) => leaf.leafIndex === outcome.committerLeaf);
    if (committer?.deviceId !== caller.deviceId) throw new AppError(chatErrors.mls_identity_mismatch, 'A device commits only from its own leaf.');
    const recipients = welcomeRecipients(welcome?.message.welcome, outcome.added);

    const now = this.#now();
    let result: SubmitCommitResponse;
    let events: ChatEvent[] = [];
    try {
      result = await this.#db.transaction().execute(async (trx) => {
        // The conversation's row lock first, as membership changes and appends take it: the roster read below holds until commit.
        await trx.updateTable('chat_conversation').set((eb) => ({ last_activity_at: eb.ref('last_activity_at') })).where('id', '=', conversationId).execute();
        if (!(await store.advanceGroup(trx, conversationId, epoch, encodeGroupState(outcome.next), now))) return this.#loser(trx, resend);
        const deviceIds = [...leavesBefore.map((leaf) => leaf.deviceId), ...outcome.added.map((leaf) => leaf.deviceId), outcome.pathLeaf?.deviceId];
        const facts = await this.#facts(trx, conversationId, deviceIds);
        checkLeafBinding(committer, facts);
        checkCommitAgainstRoster(caller, leavesBefore, outcome, facts);
        const [entry] = await this.#deps.log.appendInTransaction(trx, conversationId, [
          { kind: 'mls', senderAccountId: caller.accountId, senderDeviceId: caller.deviceId, clientMessageId: request.clientMessageId, body: bytes },
        ]);
        events = messagesEvents([entry!]);
        await this.#deps.outbox.write(trx, events);
        if (recipients.length > 0) {
          await store.insertWelcome(
            trx,
            { id: this.#deps.ids.next(), conversation_id: conversationId, epoch: epoch + 1, commit_seq: entry!.seq, body: welcome!.bytes, created_at: now },
            recipients,
          );
        }
        return { messageId: entry!.id, seq: entry!.seq, storedAt: entry!.storedAt, epoch: epoch + 1, duplicate: false };
      });
    } catch (error) {
      // The unique index on (device, clientMessageId): this id was already used for another message.
      if (this.#deps.isUniqueViolation(error)) throw new AppError(chatErrors.client_message_id_reused);
      throw error;
    }
    if (!result.duplicate) {
      this.#states.set(conversationId, epoch + 1, outcome.next);
      this.#deps.outbox.committed(events);
    }
    return result;
  }

  /** The group's state at `epoch` (cached, else read and decoded); undefined when the group has moved on meanwhile. */
  async #state(conversationId: string, epoch: number): Promise<PublicGroupState | undefined> {
    const cached = this.#states.get(conversationId, epoch);
    if (cached) return cached;
    const row = await store.findGroup(this.#db, conversationId);
    if (!row || Number(row.epoch) !== epoch) return undefined;
    const state = decodeGroupState({ groupContext: row.group_context, ratchetTree: row.ratchet_tree, confirmationTag: row.confirmation_tag });
    this.#states.set(conversationId, epoch, state);
    return state;
  }

  /**
   * The commit's epoch is gone: a resend of the commit that took it gets the original
   * entry back; anything else is 409 `stale_epoch` with the group's current epoch.
   */
  async #loser(
    db: store.MlsDb,
    resend: { caller: DeviceIdentity; conversationId: string; clientMessageId: string; bytes: Uint8Array; epochAfter: number },
  ): Promise<SubmitCommitResponse> {
    const [original] = await findByClientIds(db, [{ deviceId: resend.caller.deviceId, clientMessageId: resend.clientMessageId as ClientMessageId }]);
    if (original) {
      const same = String(original.conversation_id) === resend.conversationId && original.kind === 'mls' && equalBytes(original.body, resend.bytes);
      if (!same) throw new AppError(chatErrors.client_message_id_reused);
      return { messageId: String(original.id), seq: Number(original.seq), storedAt: Number(original.stored_at), epoch: resend.epochAfter, duplicate: true };
    }
    const current = await store.findGroup(db, resend.conversationId);
    const epoch = current === undefined ? undefined : Number(current.epoch);
    throw new AppError(chatErrors.stale_epoch, `The group is at epoch ${epoch}, not at the commit’s.`, { details: { epoch } });
  }

  /** Conversation type, members with roles, and the named devices, read on `db` (inside the admitting transaction for commits). */
  async #facts(db: store.MlsDb, conversationId: string, deviceIds: ReadonlyArray<string | undefined>): Promise<RosterFacts> {
    const conversation = await db.selectFrom('chat_conversation').select('type').where('id', '=', conversationId).executeTakeFirst();
    if (!conversation) throw new AppError(chatErrors.conversation_not_found);
    const members = await membersOf(db, [conversationId]);
    const wanted = [...new Set(deviceIds.filter((id): id is string => id !== undefined))];
    const devices = new Map<string, KnownDevice>(
      (await store.findDevices(db, wanted)).map((d) => [
        String(d.id),
        { accountId: String(d.account_id), identityKey: Buffer.from(d.public_key, 'base64url'), removed: d.removed_at !== null },
      ]),
    );
    return { conversationType: conversation.type, members: new Map(members.map((m) => [String(m.account_id), m.role])), devices };
  }

  #view(conversationId: string, epoch: number, state: PublicGroupState, devices: ReadonlyMap<string, KnownDevice>): MlsGroupView {
    const leaves = leavesOf(state.tree).flatMap((leaf: TreeLeaf) => {
      const device = leaf.deviceId === undefined ? undefined : devices.get(leaf.deviceId);
      return device ? [{ leafIndex: leaf.leafIndex, deviceId: leaf.deviceId!, accountId: device.accountId }] : [];
    });
    return { conversationId, epoch, cipherSuite: MLS_CIPHER_SUITE, treeHash: base64url(state.context.treeHash), leaves };
  }
}
