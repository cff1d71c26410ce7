/**
 * Delivered and read receipts, from the core's `chat.acked` and `chat.read` events.
 *
 * Aggregation: receipts are cumulative per (conversation, recipient account, status):
 * account A has "delivered" every message up to seq s as soon as ANY of A's devices acked
 * s (acks are cumulative), and "read" up to s once A marked it read. So "is message m
 * delivered to A" is `deliveredSeq(A) >= m.seq`, and one `receipt` frame covers a whole
 * range. The durable truth behind them is the core's (device cursors and read marks in
 * SQL); nothing else is stored. Each gateway node keeps a bounded memo of the marks it has
 * announced, so a batch of acks from A's five devices yields one frame, and marks that do
 * not advance yield none.
 *
 * Who hears it: every online device of every OTHER member of the conversation. That is a
 * superset of "the senders of messages ≤ seq" that needs no per-message lookup, and in a
 * 1:1 conversation it is exactly the sender. Each gateway node runs this on the broadcast
 * `chat.*` consumer and sends only to its own sockets; there is no separate worker hop.
 */
import type { AccountId, ConversationId, DeviceId } from '@twin/chat-protocol';
import type { DeliveryHub } from '../delivery/delivery-hub.ts';

export interface CursorMove {
  readonly accountId: AccountId;
  readonly deviceId: DeviceId;
  readonly conversationId: ConversationId;
  readonly seq: number;
  readonly at: number;
}

export type ReceiptStatus = 'delivered' | 'read';

const MEMO_LIMIT = 200_000;

export class ReceiptFanOut {
  readonly #hub: DeliveryHub;
  /** `<conversation>/<account>/<status>` → highest seq announced by this node. */
  #announced = new Map<string, number>();

  constructor(hub: DeliveryHub) {
    this.#hub = hub;
  }

  async handle(status: ReceiptStatus, moves: readonly CursorMove[]): Promise<void> {
    const best = new Map<string, CursorMove>();
    for (const move of moves) {
      const key = `${move.conversationId}/${move.accountId}/${status}`;
      const current = best.get(key);
      if (!current || move.seq > current.seq) best.set(key, move);
    }
    await Promise.all(
      [...best].map(async ([key, move]) => {
        if ((this.#announced.get(key) ?? 0) >= move.seq) return;
        this.#remember(key, move.seq);
        const streams = await this.#hub.memberStreams(move.conversationId, move.accountId);
        if (streams.length === 0) return;
        const frame = JSON.stringify({
          type: 'receipt',
          conversationId: move.conversationId,
          accountId: move.accountId,
          ...(status === 'delivered' ? { deviceId: move.deviceId } : {}),
          status,
          seq: move.seq,
          at: move.at,
        });
        for (const stream of streams) stream.socket.send(frame);
      }),
    );
  }

  #remember(key: string, seq: number): void {
    // A memo miss only costs a redundant (harmless, cumulative) receipt, so forgetting is fine.
    if (this.#announced.size >= MEMO_LIMIT && !this.#announced.has(key)) this.#announced = new Map();
    this.#announced.set(key, seq);
  }
}
