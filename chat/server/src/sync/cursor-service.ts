/**
 * Acks, reads and what a device still has to receive. Acks are cumulative and batched
 * with group commit, in the turn's transaction shared with its appends (write-turns.ts):
 * the acks of one event-loop turn are merged per (device, conversation), checked against
 * membership and clamped to the log's end (three reads), written with one upsert, and
 * announced with one `chat.acked` event (realtime turns it into delivered receipts;
 * `until-delivered` retention follows it).
 */
import type { AccountId, ConversationId, DeviceId } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import { padList, pairIn } from '@twin/platform/sql';
import type { Kysely } from 'kysely';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent, DeviceIdentity, PendingConversation } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import type { ChatTables } from '../migrations.ts';
import type { LaneSubmit, WriteTurns } from '../messages/write-turns.ts';
import { advanceCursors, findCursors, pendingConversations, type CursorRow } from './cursor-store.ts';

interface AckRequest {
  readonly device: DeviceIdentity;
  readonly conversationId: string;
  readonly seq: number;
}

type AckEvent = Extract<ChatEvent, { type: 'chat.acked' }>;
type ReadEvent = Extract<ChatEvent, { type: 'chat.read' }>;

export interface CursorServiceDeps {
  db: Kysely<any>;
  outbox: ChatOutbox;
  /** The core's write turns: acks are a lane of them. */
  turns: WriteTurns;
  now?: () => number;
}

export class CursorService {
  readonly #deps: CursorServiceDeps;
  readonly #db: Kysely<ChatTables>;
  readonly #now: () => number;
  readonly #ack: LaneSubmit<AckRequest, number>;

  constructor(deps: CursorServiceDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
    this.#ack = deps.turns.lane((trx, batch) => this.#writeAcks(trx, batch));
  }

  /** Moves the device's cursor to `seq` (clamped to the log's end, never backwards); resolves the cursor. */
  ack(device: DeviceIdentity, conversationId: string, seq: number): Promise<number> {
    if (!isStorableId(conversationId)) return Promise.reject(new AppError(chatErrors.conversation_not_found));
    return this.#ack({ device, conversationId, seq });
  }

  async markRead(reader: DeviceIdentity, conversationId: string, seq: number): Promise<number> {
    if (!isStorableId(conversationId)) throw new AppError(chatErrors.conversation_not_found);
    const now = this.#now();
    const result = await this.#db.transaction().execute(async (trx) => {
      const conversation = await trx.selectFrom('chat_conversation').select('last_seq').where('id', '=', conversationId).executeTakeFirst();
      if (!conversation) throw new AppError(chatErrors.conversation_not_found);
      const member = await trx.selectFrom('chat_member').select('read_seq').where('conversation_id', '=', conversationId).where('account_id', '=', reader.accountId).executeTakeFirst();
      if (!member) throw new AppError(chatErrors.not_a_member);
      const target = Math.min(seq, Number(conversation.last_seq));
      if (target <= Number(member.read_seq)) return { readSeq: Number(member.read_seq), events: [] };
      await trx.updateTable('chat_member').set({ read_seq: target }).where('conversation_id', '=', conversationId).where('account_id', '=', reader.accountId).where('read_seq', '<', target).execute();
      const event: ReadEvent = {
        type: 'chat.read',
        payload: { reads: [{ accountId: reader.accountId, deviceId: reader.deviceId, conversationId: conversationId as ConversationId, seq: target, at: now }] },
      };
      await this.#deps.outbox.write(trx, [event]);
      return { readSeq: target, events: [event] };
    });
    this.#deps.outbox.committed(result.events);
    return result.readSeq;
  }

  async pending(device: DeviceIdentity): Promise<PendingConversation[]> {
    const rows = await pendingConversations(this.#db, device.accountId, device.deviceId);
    return rows.map((r) => ({ conversationId: r.conversation_id as ConversationId, ackedSeq: r.acked_seq, lastSeq: r.last_seq }));
  }

  async #writeAcks(trx: Kysely<ChatTables>, batch: readonly AckRequest[]): Promise<{ results: PromiseSettledResult<number>[]; events: ChatEvent[] }> {
    const now = this.#now();
    const conversationIds = [...new Set(batch.map((a) => a.conversationId))];
    const [conversations, members, cursors] = await Promise.all([
      trx.selectFrom('chat_conversation').select(['id', 'last_seq']).where('id', 'in', padList(conversationIds)).execute(),
      trx
        .selectFrom('chat_member')
        .select(['conversation_id', 'account_id'])
        .where(pairIn(['conversation_id', 'bigint'], ['account_id', 'bigint'], batch.map((a) => [a.conversationId, a.device.accountId] as const)))
        .execute(),
      findCursors(trx, batch.map((a) => [a.device.deviceId, a.conversationId] as const)),
    ]);
    const lastSeq = new Map(conversations.map((c) => [String(c.id), Number(c.last_seq)]));
    const isMember = new Set(members.map((m) => `${String(m.conversation_id)}|${String(m.account_id)}`));
    const stored = new Map(cursors.map((c) => [`${String(c.device_id)}|${String(c.conversation_id)}`, Number(c.acked_seq)]));

    // Merge the batch per (device, conversation): the largest seq wins.
    const target = new Map<string, { device: DeviceIdentity; conversationId: string; seq: number }>();
    const results: PromiseSettledResult<number>[] = batch.map(() => ({ status: 'fulfilled', value: 0 }));
    batch.forEach((ack, index) => {
      const last = lastSeq.get(ack.conversationId);
      if (last === undefined) results[index] = { status: 'rejected', reason: new AppError(chatErrors.conversation_not_found) };
      else if (!isMember.has(`${ack.conversationId}|${ack.device.accountId}`)) results[index] = { status: 'rejected', reason: new AppError(chatErrors.not_a_member) };
      else {
        const key = `${ack.device.deviceId}|${ack.conversationId}`;
        const seq = Math.min(ack.seq, last);
        const current = target.get(key);
        if (!current || seq > current.seq) target.set(key, { device: ack.device, conversationId: ack.conversationId, seq });
      }
    });

    const moved: CursorRow[] = [];
    const acks: AckEvent['payload']['acks'] = [];
    const cursorOf = new Map<string, number>();
    for (const [key, { device, conversationId, seq }] of target) {
      const before = stored.get(key) ?? 0;
      cursorOf.set(key, Math.max(before, seq));
      if (seq <= before) continue;
      moved.push({ device_id: device.deviceId, conversation_id: conversationId, acked_seq: seq, updated_at: now });
      acks.push({ accountId: device.accountId as AccountId, deviceId: device.deviceId as DeviceId, conversationId: conversationId as ConversationId, seq, at: now });
    }
    batch.forEach((ack, index) => {
      if (results[index]!.status === 'fulfilled') results[index] = { status: 'fulfilled', value: cursorOf.get(`${ack.device.deviceId}|${ack.conversationId}`) ?? 0 };
    });
    if (moved.length === 0) return { results, events: [] };
    await advanceCursors(trx, moved);
    const event: AckEvent = { type: 'chat.acked', payload: { acks } };
    return { results, events: [event] };
  }
}
