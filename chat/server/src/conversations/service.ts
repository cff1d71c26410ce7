/**
 * Conversations and membership. A direct conversation has exactly two accounts and exists
 * once per pair (a unique key on the sorted pair settles concurrent creations). A group
 * has a title, an optional avatar blob key and admins; its creator is the first admin.
 * Every membership change runs in one transaction that first takes the conversation's
 * row lock — so concurrent changes of one group (and the size limit) are serialised —
 * then writes the change, its `system` log entry and the `chat.messages` +
 * `chat.membership` outbox events.
 */
import type { AccountId, ConversationId, WireMessage } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import type { SnowflakeGenerator } from '@twin/platform';
import type { Kysely } from 'kysely';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent, DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import type { ChatTables } from '../migrations.ts';
import { messagesEvents } from '../messages/events.ts';
import type { MessageLog } from '../messages/message-log.ts';
import type { RosterCache } from './roster-cache.ts';
import { SharingCheck } from './sharing-check.ts';
import * as store from './store.ts';
import { toView, type ConversationView } from './view.ts';

export type { ConversationView } from './view.ts';


export interface ConversationServiceDeps {
  db: Kysely<any>;
  ids: SnowflakeGenerator;
  outbox: ChatOutbox;
  log: MessageLog;
  rosters: RosterCache;
  isUniqueViolation: (error: unknown) => boolean;
  groupMaxMembers: number;
  now?: () => number;
}

type Db = Kysely<ChatTables>;

const compareIds = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
const systemBody = (event: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(event));
const membershipEvent = (conversationId: string, added: string[], removed: string[]): ChatEvent => ({
  type: 'chat.membership',
  payload: { conversationId: conversationId as ConversationId, added: added as AccountId[], removed: removed as AccountId[] },
});

export class ConversationService {
  readonly #deps: ConversationServiceDeps;
  readonly #db: Db;
  readonly #now: () => number;
  readonly #sharing: SharingCheck;

  constructor(deps: ConversationServiceDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
    this.#sharing = new SharingCheck(deps.db);
  }

  /** The direct conversation of the caller and `otherAccountId`, created when missing; `created` tells which. */
  async createDirect(caller: DeviceIdentity, otherAccountId: string): Promise<{ conversation: ConversationView; created: boolean }> {
    if (otherAccountId === caller.accountId) throw new AppError(chatErrors.direct_with_self);
    if (!isStorableId(otherAccountId) || !(await store.existingAccounts(this.#db, [otherAccountId])).has(otherAccountId)) throw new AppError(chatErrors.account_not_found);
    const pair = [caller.accountId, otherAccountId].sort(compareIds);
    const directKey = pair.join(':');
    const found = await store.findDirect(this.#db, directKey);
    if (found) return { conversation: await this.#view(found), created: false };
    const now = this.#now();
    const row: store.ConversationRow = {
      id: this.#deps.ids.next(),
      type: 'direct',
      title: null,
      avatar_blob_key: null,
      direct_key: directKey,
      created_by: caller.accountId,
      created_at: now,
      last_seq: 0,
      last_activity_at: now,
    };
    const events = [membershipEvent(row.id, pair, [])];
    try {
      await this.#db.transaction().execute(async (trx) => {
        await store.insertConversation(
          trx,
          row,
          pair.map((accountId) => ({ conversation_id: row.id, account_id: accountId, role: 'member' as const, joined_at: now, visible_from_seq: 0, read_seq: 0 })),
        );
        await this.#deps.outbox.write(trx, events);
      });
    } catch (error) {
      // The other side created it at the same moment: theirs is the one.
      if (!this.#deps.isUniqueViolation(error)) throw error;
      const winner = await store.findDirect(this.#db, directKey);
      if (!winner) throw error;
      return { conversation: await this.#view(winner), created: false };
    }
    this.#deps.outbox.committed(events);
    return { conversation: await this.#view(row), created: true };
  }

  async createGroup(caller: DeviceIdentity, request: { title: string; memberAccountIds: readonly string[]; avatarBlobKey?: string }): Promise<ConversationView> {
    const others = [...new Set(request.memberAccountIds)].filter((id) => id !== caller.accountId);
    if (others.length + 1 > this.#deps.groupMaxMembers) throw new AppError(chatErrors.group_full, `A group may have at most ${this.#deps.groupMaxMembers} members.`);
    const known = await store.existingAccounts(this.#db, others.filter(isStorableId));
    const unknown = others.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new AppError(chatErrors.account_not_found, `No account ${unknown[0]}.`, { details: { accountIds: unknown } });
    const now = this.#now();
    const row: store.ConversationRow = {
      id: this.#deps.ids.next(),
      type: 'group',
      title: request.title,
      avatar_blob_key: request.avatarBlobKey ?? null,
      direct_key: null,
      created_by: caller.accountId,
      created_at: now,
      last_seq: 0,
      last_activity_at: now,
    };
    const members: store.MemberRow[] = [caller.accountId, ...others].map((accountId, i) => ({
      conversation_id: row.id,
      account_id: accountId,
      role: i === 0 ? 'admin' : 'member',
      joined_at: now,
      visible_from_seq: 0,
      read_seq: 0,
    }));
    await this.#change(row.id, async (trx) => {
      await store.insertConversation(trx, row, members);
      const entries = await this.#deps.log.appendInTransaction(trx, row.id, [
        { kind: 'system', senderAccountId: caller.accountId, senderDeviceId: caller.deviceId, body: systemBody({ event: 'group_created', by: caller.accountId, title: request.title, members: members.map((m) => m.account_id) }) },
      ]);
      return { entries, events: [membershipEvent(row.id, members.map((m) => m.account_id), [])] };
    });
    return this.get(caller, row.id);
  }

  async get(caller: DeviceIdentity, conversationId: string): Promise<ConversationView> {
    const conversation = await this.#visible(this.#db, caller, conversationId);
    return this.#view(conversation);
  }

  async list(caller: DeviceIdentity, afterId: string | undefined, limit: number): Promise<{ conversations: ConversationView[]; more: boolean }> {
    const rows = await store.conversationsOf(this.#db, caller.accountId, afterId, limit + 1);
    const page = rows.slice(0, limit);
    const members = await store.membersOf(this.#db, page.map((r) => String(r.id)));
    const byConversation = new Map<string, store.MemberRow[]>();
    for (const m of members) {
      const list = byConversation.get(String(m.conversation_id)) ?? [];
      list.push(m);
      byConversation.set(String(m.conversation_id), list);
    }
    return { conversations: page.map((row) => toView(row, byConversation.get(String(row.id)) ?? [])), more: rows.length > limit };
  }

  async update(caller: DeviceIdentity, conversationId: string, changes: { title?: string; avatarBlobKey?: string }): Promise<ConversationView> {
    await this.#change(conversationId, async (trx) => {
      await this.#adminOf(trx, caller, conversationId);
      const set: Partial<store.ConversationRow> = {};
      if (changes.title !== undefined) set.title = changes.title;
      if (changes.avatarBlobKey !== undefined) set.avatar_blob_key = changes.avatarBlobKey;
      if (Object.keys(set).length > 0) await trx.updateTable('chat_conversation').set(set).where('id', '=', conversationId).execute();
      const entries = await this.#system(trx, caller, conversationId, { event: 'group_updated', by: caller.accountId, ...changes });
      return { entries, events: [] };
    });
    return this.get(caller, conversationId);
  }

  async addMember(caller: DeviceIdentity, conversationId: string, accountId: string): Promise<ConversationView> {
    if (!isStorableId(accountId) || !(await store.existingAccounts(this.#db, [accountId])).has(accountId)) throw new AppError(chatErrors.account_not_found);
    await this.#change(conversationId, async (trx) => {
      await this.#adminOf(trx, caller, conversationId);
      if (await store.findMember(trx, conversationId, accountId)) throw new AppError(chatErrors.already_a_member);
      if ((await store.countMembers(trx, conversationId)) >= this.#deps.groupMaxMembers) {
        throw new AppError(chatErrors.group_full, `A group may have at most ${this.#deps.groupMaxMembers} members.`);
      }
      const entries = await this.#system(trx, caller, conversationId, { event: 'member_added', accountId, by: caller.accountId });
      // The new member sees the log from its own "member_added" entry on, not what came before.
      await trx
        .insertInto('chat_member')
        .values({ conversation_id: conversationId, account_id: accountId, role: 'member', joined_at: this.#now(), visible_from_seq: entries[0]!.seq - 1, read_seq: 0 })
        .execute();
      return { entries, events: [membershipEvent(conversationId, [accountId], [])] };
    });
    return this.get(caller, conversationId);
  }

  /** An admin removes a member, or a member leaves (`accountId` = the caller's). */
  async removeMember(caller: DeviceIdentity, conversationId: string, accountId: string): Promise<void> {
    await this.#change(conversationId, async (trx) => {
      const leaving = accountId === caller.accountId;
      const conversation = leaving ? await this.#visible(trx, caller, conversationId) : await this.#adminOf(trx, caller, conversationId);
      if (conversation.type !== 'group') throw new AppError(chatErrors.not_a_group);
      const target = isStorableId(accountId) ? await store.findMember(trx, conversationId, accountId) : undefined;
      if (!target) throw new AppError(chatErrors.member_not_found);
      const entries = await this.#system(trx, caller, conversationId, { event: leaving ? 'member_left' : 'member_removed', accountId, by: caller.accountId });
      await store.deleteMember(trx, conversationId, accountId);
      // A group is never left without an admin: the longest-standing member takes over (as WhatsApp does).
      const rest = await store.membersOf(trx, [conversationId]);
      if (rest.length > 0 && !rest.some((m) => m.role === 'admin')) {
        const heir = rest[0]!;
        await store.setRole(trx, conversationId, String(heir.account_id), 'admin');
        entries.push(...(await this.#system(trx, caller, conversationId, { event: 'member_promoted', accountId: String(heir.account_id), by: null })));
      }
      return { entries, events: [membershipEvent(conversationId, [], [accountId])] };
    });
  }

  async promote(caller: DeviceIdentity, conversationId: string, accountId: string): Promise<ConversationView> {
    await this.#change(conversationId, async (trx) => {
      await this.#adminOf(trx, caller, conversationId);
      const target = isStorableId(accountId) ? await store.findMember(trx, conversationId, accountId) : undefined;
      if (!target) throw new AppError(chatErrors.member_not_found);
      if (target.role === 'admin') return { entries: [], events: [] };
      await store.setRole(trx, conversationId, accountId, 'admin');
      const entries = await this.#system(trx, caller, conversationId, { event: 'member_promoted', accountId, by: caller.accountId });
      return { entries, events: [] };
    });
    return this.get(caller, conversationId);
  }

  /** Member accounts of a conversation, from SQL (the roster cache loads through this). */
  async loadMembers(conversationId: string): Promise<AccountId[]> {
    return (await store.membersOf(this.#db, [conversationId])).map((m) => String(m.account_id) as AccountId);
  }

  /** Whether two accounts share a conversation (batched per event-loop turn, see `SharingCheck`). */
  shareAConversation(a: string, b: string): Promise<boolean> {
    return this.#sharing.ask(a, b);
  }

  /**
   * The conversation if the caller's account is a member now; `conversation_not_found` or
   * `not_a_member` otherwise. Also gives the member row (its visibility floor).
   */
  async membership(db: Db, caller: { accountId: string }, conversationId: string): Promise<{ conversation: store.ConversationRow; member: store.MemberRow }> {
    const found = isStorableId(conversationId) ? await store.findWithMember(db, conversationId, caller.accountId) : undefined;
    if (!found) throw new AppError(chatErrors.conversation_not_found);
    if (!found.member) throw new AppError(chatErrors.not_a_member);
    return { conversation: found.conversation, member: found.member };
  }

  async #visible(db: Db, caller: DeviceIdentity, conversationId: string): Promise<store.ConversationRow> {
    return (await this.membership(db, caller, conversationId)).conversation;
  }

  async #adminOf(db: Db, caller: DeviceIdentity, conversationId: string): Promise<store.ConversationRow> {
    const { conversation, member } = await this.membership(db, caller, conversationId);
    if (conversation.type !== 'group') throw new AppError(chatErrors.not_a_group);
    if (member.role !== 'admin') throw new AppError(chatErrors.not_an_admin);
    return conversation;
  }

  #system(trx: Db, caller: DeviceIdentity, conversationId: string, event: Record<string, unknown>): Promise<WireMessage[]> {
    return this.#deps.log.appendInTransaction(trx, conversationId, [{ kind: 'system', senderAccountId: caller.accountId, senderDeviceId: caller.deviceId, body: systemBody(event) }]);
  }

  /** Runs a membership change with its log entries and events in one transaction, then drops cached rosters. */
  async #change(conversationId: string, body: (trx: Db) => Promise<{ entries: WireMessage[]; events: ChatEvent[] }>): Promise<void> {
    const wrote = await this.#db.transaction().execute(async (trx) => {
      // Take the conversation's row lock before reading anything, so checks such as the
      // size limit cannot race another change of the same group (PostgreSQL; SQLite has one writer).
      if (isStorableId(conversationId)) {
        await trx.updateTable('chat_conversation').set((eb) => ({ last_activity_at: eb.ref('last_activity_at') })).where('id', '=', conversationId).execute();
      }
      const { entries, events } = await body(trx);
      const outbox = [...messagesEvents(entries), ...events];
      await this.#deps.outbox.write(trx, outbox);
      return { outbox, membership: events.some((e) => e.type === 'chat.membership') };
    });
    try {
      // First, so that this node's handling of the events reads the new roster.
      if (wrote.membership) await this.#deps.rosters.invalidate(conversationId);
    } finally {
      this.#deps.outbox.committed(wrote.outbox);
    }
  }

  async #view(row: store.ConversationRow): Promise<ConversationView> {
    return toView(row, await store.membersOf(this.#db, [String(row.id)]));
  }
}
