/**
 * Sync over HTTP: everything after the device's acked cursors across all its
 * conversations, conversation by conversation (in id order, so pages are stable) and in
 * `seq` order within each, paged by an opaque cursor that holds the last position
 * returned. Sync never moves the acked cursors: the device acks what it stored.
 */
import type { WireMessage } from '@twin/chat-protocol';
import { AppError, type CursorCodec } from '@twin/platform';
import type { DeviceIdentity } from '../core.ts';
import type { MessageService } from '../messages/service.ts';
import type { CursorService } from './cursor-service.ts';

const compareIds = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

export class SyncService {
  readonly #cursors: CursorService;
  readonly #messages: MessageService;
  readonly #codec: CursorCodec;

  constructor(deps: { cursors: CursorService; messages: MessageService; codec: CursorCodec }) {
    this.#cursors = deps.cursors;
    this.#messages = deps.messages;
    this.#codec = deps.codec;
  }

  async page(device: DeviceIdentity, cursor: string | undefined, limit: number): Promise<{ messages: WireMessage[]; cursor: string; hasMore: boolean }> {
    // Scoped to the device: a cursor is useless to any other device.
    const scope = `chat-sync:${device.deviceId}`;
    let position: { conversationId: string; seq: number } | undefined;
    if (cursor !== undefined) {
      const [conversationId, seq] = this.#codec.decode(scope, cursor);
      position = { conversationId: String(conversationId), seq: Number(seq) };
    }
    const pending = (await this.#cursors.pending(device)).sort((a, b) => compareIds(a.conversationId, b.conversationId));
    const messages: WireMessage[] = [];
    let hasMore = false;
    for (const conversation of pending) {
      if (position && compareIds(conversation.conversationId, position.conversationId) < 0) continue;
      const from = position && conversation.conversationId === position.conversationId ? Math.max(conversation.ackedSeq, position.seq) : conversation.ackedSeq;
      if (from >= conversation.lastSeq) continue;
      if (messages.length === limit) {
        hasMore = true;
        break;
      }
      const room = limit - messages.length;
      // One more than fits tells whether this conversation has more.
      const read = await this.#messages.readAfter(device, conversation.conversationId, from, room + 1).catch((error: unknown) => {
        // Left the conversation since `pending` was read: nothing to show from it.
        if (error instanceof AppError) return [];
        throw error;
      });
      messages.push(...read.slice(0, room));
      if (read.length > room) {
        hasMore = true;
        break;
      }
    }
    const last = messages.at(-1);
    const next = last ? [last.conversationId, last.seq] : position ? [position.conversationId, position.seq] : ['0', 0];
    return { messages, cursor: this.#codec.encode(scope, next), hasMore };
  }
}
