/**
 * Reading the log as a member may see it — only entries after the point the account
 * joined, nothing at all once it has left — and deleting a message for everyone: the
 * original's body is wiped from storage and a `tombstone` entry (with `refSeq`) tells every
 * device to drop it.
 */
import type { WireMessage } from '@twin/chat-protocol';
import { AppError, platformErrors, type CursorCodec } from '@twin/platform';
import type { Kysely } from 'kysely';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { DeviceIdentity } from '../core.ts';
import type { ConversationService } from '../conversations/service.ts';
import { chatErrors } from '../errors.ts';
import type { ChatTables } from '../migrations.ts';
import { messagesEvents } from './events.ts';
import type { MessageLog } from './message-log.ts';
import { findEntry, readAfter, readBefore, wipeEntry } from './store.ts';
import { toWireMessage } from './wire.ts';

export interface MessageServiceDeps {
  db: Kysely<any>;
  outbox: ChatOutbox;
  log: MessageLog;
  conversations: ConversationService;
  cursors: CursorCodec;
}

const historyScope = (conversationId: string) => `chat-history:${conversationId}`;
const CLIENT_KINDS = new Set(['message', 'receipt', 'mls', 'reaction']);

export class MessageService {
  readonly #deps: MessageServiceDeps;
  readonly #db: Kysely<ChatTables>;

  constructor(deps: MessageServiceDeps) {
    this.#deps = deps;
    this.#db = deps.db;
  }

  /** Entries with `seq > afterSeq` the reader may see, ascending (`ChatCore.readAfter`). */
  async readAfter(reader: DeviceIdentity, conversationId: string, afterSeq: number, limit: number): Promise<WireMessage[]> {
    const { member } = await this.#deps.conversations.membership(this.#db, reader, conversationId);
    const rows = await readAfter(this.#db, conversationId, Math.max(afterSeq, Number(member.visible_from_seq)), limit);
    return rows.map(toWireMessage);
  }

  /** A page of history by opaque cursor: newest first with `before` (or none), ascending with `after`. */
  async history(reader: DeviceIdentity, conversationId: string, query: { before?: string; after?: string; limit: number }): Promise<{ messages: WireMessage[]; nextCursor?: string }> {
    // Cursors are checked before membership so a forged one is a 400 for anyone.
    const scope = historyScope(conversationId);
    const seqOf = (cursor: string) => {
      const [seq] = this.#deps.cursors.decode(scope, cursor);
      if (typeof seq !== 'number') throw new AppError(platformErrors.invalid_cursor);
      return seq;
    };
    if (query.before !== undefined && query.after !== undefined) {
      throw new AppError(platformErrors.validation_failed, 'Give either `before` or `after`, not both.', {
        details: { fields: [{ field: '/after', in: 'querystring', message: 'must not be combined with before' }] },
      });
    }
    const before = query.before === undefined ? undefined : seqOf(query.before);
    const after = query.after === undefined ? undefined : seqOf(query.after);
    const { member } = await this.#deps.conversations.membership(this.#db, reader, conversationId);
    const floor = Number(member.visible_from_seq);
    if (after !== undefined) {
      const rows = await readAfter(this.#db, conversationId, Math.max(after, floor), query.limit);
      const last = rows.at(-1);
      return { messages: rows.map(toWireMessage), ...(rows.length === query.limit && last ? { nextCursor: this.#deps.cursors.encode(scope, [Number(last.seq)]) } : {}) };
    }
    const rows = await readBefore(this.#db, conversationId, before ?? Number.MAX_SAFE_INTEGER, floor, query.limit);
    const last = rows.at(-1);
    const more = rows.length === query.limit && last !== undefined && Number(last.seq) > floor + 1;
    return { messages: rows.map(toWireMessage), ...(more ? { nextCursor: this.#deps.cursors.encode(scope, [Number(last.seq)]) } : {}) };
  }

  /** Deletes the message at `seq` for everyone; resolves the tombstone entry. */
  async deleteForEveryone(caller: DeviceIdentity, conversationId: string, seq: number): Promise<WireMessage> {
    const { tombstone, events } = await this.#db.transaction().execute(async (trx) => {
      const { conversation, member } = await this.#deps.conversations.membership(trx, caller, conversationId);
      const entry = seq > Number(member.visible_from_seq) ? await findEntry(trx, conversationId, seq) : undefined;
      if (!entry) throw new AppError(chatErrors.message_not_found);
      if (!CLIENT_KINDS.has(entry.kind) || Number(entry.deleted) === 1) throw new AppError(chatErrors.message_not_deletable);
      const mayDelete = String(entry.sender_account_id) === caller.accountId || (conversation.type === 'group' && member.role === 'admin');
      if (!mayDelete) throw new AppError(chatErrors.not_the_sender);
      // The wipe is a compare-and-set: of two concurrent deletes, one appends the tombstone.
      if (!(await wipeEntry(trx, conversationId, seq))) throw new AppError(chatErrors.message_not_deletable);
      const [written] = await this.#deps.log.appendInTransaction(trx, conversationId, [
        { kind: 'tombstone', senderAccountId: caller.accountId, senderDeviceId: caller.deviceId, body: new Uint8Array(0), refSeq: seq },
      ]);
      const events = messagesEvents([written!]);
      await this.#deps.outbox.write(trx, events);
      return { tombstone: written!, events };
    });
    this.#deps.outbox.committed(events);
    return tombstone;
  }
}
