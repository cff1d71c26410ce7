/**
 * The conversation log: appends with group commit and reads. Appends arriving within one
 * event-loop turn share one transaction (the turn's, shared with its acks: see
 * write-turns.ts): the conversations' row locks (so membership cannot change under the
 * batch), one membership query, one `seq` range per conversation, one multi-row INSERT
 * and one `chat.messages` outbox event for the batch. A resend of (sender device, client
 * message id) resolves to the original entry: collapsed inside the batch, or caught by
 * the unique index, which fails the INSERT and runs the turn again with a lookup of the
 * batch's keys first (see `#lookUpResends`). Bodies are stored as the bytes they are,
 * never parsed.
 */
import { MAX_BODY_BYTES, type ConversationId, type MessageId, type WireMessage } from '@twin/chat-protocol';
import { AppError, platformErrors, type SnowflakeGenerator } from '@twin/platform';
import { pairIn } from '@twin/platform/sql';
import type { Kysely } from 'kysely';
import type { AppendResult, ChatEvent, DeviceIdentity, NewMessage } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import { checkApplicationFraming } from '../mls/index.ts';
import type { ChatTables } from '../migrations.ts';
import { messagesEvents } from './events.ts';
import { findByClientIds, insertEntries, lockConversations, reserveSeqs } from './store.ts';
import { toWireMessage, type MessageRow } from './wire.ts';
import type { LaneSubmit, WriteTurns } from './write-turns.ts';

interface Submission {
  readonly sender: DeviceIdentity;
  readonly message: NewMessage;
}

/** An entry the server writes itself (membership changes, tombstones) or admits after its own checks (MLS commits, from mls/commit-gate.ts). */
export interface ServerEntry {
  readonly kind: 'system' | 'tombstone' | 'mls';
  readonly senderAccountId: string;
  readonly senderDeviceId?: string;
  /** The sending device's id for the entry, so a resend is recognised by the unique index. */
  readonly clientMessageId?: string;
  readonly body: Uint8Array;
  readonly refSeq?: number;
}

export interface MessageLogDeps {
  ids: SnowflakeGenerator;
  /** The core's write turns: appends are a lane of them. */
  turns: WriteTurns;
  /** The engine takes row locks (`SqlCapabilities.supportsRowLocks`). */
  rowLocks: boolean;
  /** Called with each written batch's size (metrics); a turn run again after a concurrent resend counts again. */
  onBatch?: (size: number) => void;
  now?: () => number;
}

const clientKey = (deviceId: string, clientMessageId: string) => `${deviceId}|${clientMessageId}`;

export class MessageLog {
  readonly #deps: MessageLogDeps;
  readonly #now: () => number;
  readonly #submit: LaneSubmit<Submission, AppendResult>;
  /** A recent batch held a resend: look the next ones up before inserting (see `#lookUpResends`). */
  #resendsSeen = false;

  constructor(deps: MessageLogDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#submit = deps.turns.lane((trx, batch, attempt) => this.#write(trx, batch, attempt));
  }

  /** Appends client messages; each settles alone (see `ChatCore.appendMessages`). */
  append(sender: DeviceIdentity, messages: readonly NewMessage[], options: { gathered?: boolean } = {}): Promise<PromiseSettledResult<AppendResult>[]> {
    return Promise.allSettled(
      messages.map((message) => {
        if (message.body.byteLength > MAX_BODY_BYTES) {
          return Promise.reject(new AppError(platformErrors.payload_too_large, `A message body may hold at most ${MAX_BODY_BYTES} bytes.`));
        }
        // A well-formed id beyond 64 bits cannot exist (and would be an SQL error on PostgreSQL).
        if (!isStorableId(message.conversationId)) return Promise.reject(new AppError(chatErrors.conversation_not_found));
        // MLS: only application PrivateMessages ride the plain path; handshakes pass the commit gate.
        const framing = message.kind === 'mls' ? checkApplicationFraming(message.body, message.conversationId) : undefined;
        if (framing) return Promise.reject(framing);
        return this.#submit({ sender, message }, options);
      }),
    );
  }

  /**
   * Appends server-written entries to one conversation inside the caller's transaction
   * (so a membership change and its `system` entry commit together). The caller writes
   * `messagesEvents(result)` to the outbox in the same transaction.
   */
  async appendInTransaction(trx: Kysely<any>, conversationId: string, entries: readonly ServerEntry[]): Promise<WireMessage[]> {
    const now = this.#now();
    const last = (await reserveSeqs(trx, new Map([[conversationId, entries.length]]), now)).get(conversationId);
    if (last === undefined) throw new AppError(chatErrors.conversation_not_found);
    const rows: MessageRow[] = entries.map((entry, i) => ({
      conversation_id: conversationId,
      seq: last - entries.length + 1 + i,
      id: this.#deps.ids.next(),
      sender_account_id: entry.senderAccountId,
      sender_device_id: entry.senderDeviceId ?? null,
      client_message_id: entry.clientMessageId ?? null,
      kind: entry.kind,
      body: Buffer.from(entry.body),
      sent_at: now,
      stored_at: now,
      ref_seq: entry.refSeq ?? null,
      deleted: 0,
    }));
    await insertEntries(trx, rows);
    return rows.map(toWireMessage);
  }

  /** Of `conversationIds`, those that exist: the ones `memberships` name, plus any others found in one query. */
  async #existing(trx: Kysely<ChatTables>, conversationIds: readonly string[], memberships: ReadonlyArray<{ conversation_id: unknown }>): Promise<Set<string>> {
    const existing = new Set(memberships.map((m) => String(m.conversation_id)));
    const unknown = conversationIds.filter((id) => !existing.has(id));
    if (unknown.length > 0) for (const id of await lockConversations(trx, unknown, false)) existing.add(id);
    return existing;
  }

  /**
   * Whether to look the batch's keys up before inserting. The INSERT probes the same
   * unique index and fails on a stored key, so the lookup, as costly (a probe per message;
   * left out, the chat server's maximum rose 5.7%), is left to the turn run again after
   * such a failure. A reconnecting client resends its whole window, so once a batch held a
   * resend, lookups go on until one finds none, rather than failing a turn each time.
   */
  #lookUpResends(attempt: number): boolean {
    return attempt > 1 || this.#resendsSeen;
  }

  async #write(trx: Kysely<ChatTables>, batch: readonly Submission[], attempt: number): Promise<{ results: PromiseSettledResult<AppendResult>[]; events: ChatEvent[] }> {
    this.#deps.onBatch?.(batch.length);
    const now = this.#now();
    const results: PromiseSettledResult<AppendResult>[] = new Array(batch.length);
    // Locks first: a member removed by a concurrent change is either still a member when we
    // look (and its entries come before the removal's) or already gone. Without row locks
    // the write transaction already excludes every other writer, so there is nothing to
    // take, and whether a conversation exists is asked below only where membership is missing.
    const conversationIds = [...new Set(batch.map((s) => s.message.conversationId))];
    const locked = this.#deps.rowLocks ? await lockConversations(trx, conversationIds, true) : undefined;
    let stored: MessageRow[] = [];
    if (this.#lookUpResends(attempt)) {
      stored = await findByClientIds(
        trx,
        batch.map((s) => ({ deviceId: s.sender.deviceId, clientMessageId: s.message.clientMessageId })),
      );
      this.#resendsSeen = stored.length > 0;
    }
    const original = new Map<string, AppendResult>(
      stored.map((row) => [
        clientKey(String(row.sender_device_id), row.client_message_id!),
        {
          conversationId: String(row.conversation_id) as ConversationId,
          clientMessageId: row.client_message_id as NewMessage['clientMessageId'],
          messageId: String(row.id) as MessageId,
          seq: Number(row.seq),
          storedAt: Number(row.stored_at),
          duplicate: true,
        },
      ]),
    );

    const memberships = await trx
      .selectFrom('chat_member')
      .select(['conversation_id', 'account_id'])
      .where(pairIn(['conversation_id', 'bigint'], ['account_id', 'bigint'], batch.map((s) => [s.message.conversationId, s.sender.accountId] as const)))
      .execute();
    const isMember = new Set(memberships.map((m) => `${String(m.conversation_id)}|${String(m.account_id)}`));
    // A conversation with a member exists; the others decide between 404 and 403.
    const existing = locked ?? (await this.#existing(trx, conversationIds, memberships));

    // Decide each submission; new entries are grouped per conversation in arrival order.
    const fresh = new Map<string, number[]>();
    const firstOfKey = new Map<string, number>();
    const followers: Array<[index: number, leader: number]> = [];
    batch.forEach((submission, index) => {
      const { sender, message } = submission;
      const key = clientKey(sender.deviceId, message.clientMessageId);
      const before = original.get(key);
      if (before && before.conversationId !== message.conversationId) results[index] = { status: 'rejected', reason: new AppError(chatErrors.client_message_id_reused) };
      else if (before) results[index] = { status: 'fulfilled', value: before };
      else if (firstOfKey.has(key)) {
        const leader = firstOfKey.get(key)!;
        if (batch[leader]!.message.conversationId === message.conversationId) followers.push([index, leader]);
        else results[index] = { status: 'rejected', reason: new AppError(chatErrors.client_message_id_reused) };
      }
      else if (!existing.has(message.conversationId)) results[index] = { status: 'rejected', reason: new AppError(chatErrors.conversation_not_found) };
      else if (!isMember.has(`${message.conversationId}|${sender.accountId}`)) results[index] = { status: 'rejected', reason: new AppError(chatErrors.not_a_member) };
      else {
        firstOfKey.set(key, index);
        const list = fresh.get(message.conversationId) ?? [];
        list.push(index);
        fresh.set(message.conversationId, list);
      }
    });

    const rows: MessageRow[] = [];
    const reserved = await reserveSeqs(trx, new Map([...fresh].map(([conversationId, indexes]) => [conversationId, indexes.length])), now);
    for (const [conversationId, indexes] of fresh) {
      const last = reserved.get(conversationId);
      if (last === undefined) {
        for (const index of indexes) results[index] = { status: 'rejected', reason: new AppError(chatErrors.conversation_not_found) };
        continue;
      }
      indexes.forEach((index, i) => {
        const { sender, message } = batch[index]!;
        const row: MessageRow = {
          conversation_id: conversationId,
          seq: last - indexes.length + 1 + i,
          id: this.#deps.ids.next(),
          sender_account_id: sender.accountId,
          sender_device_id: sender.deviceId,
          client_message_id: message.clientMessageId,
          kind: message.kind,
          body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
          sent_at: message.sentAt,
          stored_at: now,
          ref_seq: null,
          deleted: 0,
        };
        rows.push(row);
        results[index] = {
          status: 'fulfilled',
          value: { conversationId: conversationId as ConversationId, clientMessageId: message.clientMessageId, messageId: row.id as MessageId, seq: row.seq, storedAt: now, duplicate: false },
        };
      });
    }
    for (const [index, leader] of followers) {
      const led = results[leader]!;
      results[index] = led.status === 'fulfilled' ? { status: 'fulfilled', value: { ...led.value, duplicate: true } } : led;
    }
    if (rows.length === 0) return { results, events: [] };
    await insertEntries(trx, rows);
    return { results, events: messagesEvents(rows.map(toWireMessage)) };
  }
}
