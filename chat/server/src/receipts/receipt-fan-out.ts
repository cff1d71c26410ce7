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
 *
 * Not sent: a receipt whose new range holds only the account's own messages (its devices
 * ack the copies of what it sent, as every device acks everything). Nobody else has a
 * message in that range, so it tells them nothing; in a busy 1:1 chat it was half of all
 * receipt frames. The node knows this from the runs of seqs by sender it saw fan out
 * (`noteMessages`); where it has not seen every message of the range, it sends.
 */
import type { AccountId, ConversationId, DeviceId, WireMessage } from '@twin/chat-protocol';
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

/** Runs of consecutive seqs from one sender remembered per conversation: enough to cover a chat's recent turns. */
const RUNS_PER_CONVERSATION = 16;

/** Messages `from`..`to` (inclusive) of a conversation, all written by one account. */
interface Run {
  readonly accountId: string;
  from: number;
  to: number;
}

export class ReceiptFanOut {
  readonly #hub: DeliveryHub;
  /** `<conversation>/<account>/<status>` → highest seq announced by this node. */
  #announced = new Map<string, number>();
  /** `<conversation>` → runs of seqs by sender, ascending and disjoint; a seq between two runs was not seen. */
  #runs = new Map<string, Run[]>();

  constructor(hub: DeliveryHub) {
    this.#hub = hub;
  }

  /** Messages as they are fanned out (local sends and the bus alike, in any order, repeats included). */
  noteMessages(messages: readonly WireMessage[]): void {
    for (const { conversationId, senderAccountId, seq } of messages) {
      let runs = this.#runs.get(conversationId);
      if (!runs) {
        if (this.#runs.size >= MEMO_LIMIT) this.#runs = new Map();
        this.#runs.set(conversationId, (runs = []));
      }
      addSeq(runs, senderAccountId, seq);
      if (runs.length > RUNS_PER_CONVERSATION) runs.shift();
    }
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
        const announced = this.#announced.get(key) ?? 0;
        if (announced >= move.seq) return;
        this.#remember(key, move.seq);
        if (this.#onlyOwnMessages(move.conversationId, move.accountId, announced, move.seq)) return;
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

  /** True when this node saw every message in (after, upTo] of the conversation, and all are `accountId`'s own. */
  #onlyOwnMessages(conversationId: string, accountId: string, after: number, upTo: number): boolean {
    let next = after + 1; // the first seq not yet accounted for
    for (const run of this.#runs.get(conversationId) ?? []) {
      if (run.to < next) continue;
      if (run.from > next || run.accountId !== accountId) return false;
      next = run.to + 1;
      if (next > upTo) return true;
    }
    return false;
  }

  #remember(key: string, seq: number): void {
    // A memo miss only costs a redundant (harmless, cumulative) receipt, so forgetting is fine.
    if (this.#announced.size >= MEMO_LIMIT && !this.#announced.has(key)) this.#announced = new Map();
    this.#announced.set(key, seq);
  }
}

/** Records that `accountId` wrote `seq`, extending or merging the runs it touches. */
function addSeq(runs: Run[], accountId: string, seq: number): void {
  let i = runs.findIndex((run) => run.to >= seq - 1);
  if (i === -1) i = runs.length;
  const run = runs[i];
  if (run && run.from <= seq && seq <= run.to) return; // seen already
  if (run && run.accountId === accountId && run.to === seq - 1) {
    run.to = seq;
    const after = runs[i + 1];
    if (after && after.accountId === accountId && after.from === seq + 1) {
      run.to = after.to;
      runs.splice(i + 1, 1);
    }
    return;
  }
  // `run` (if any) now starts at seq + 1 or later, or ends at seq - 1 with another sender.
  const at = run && run.to === seq - 1 ? i + 1 : i;
  const following = runs[at];
  if (following && following.accountId === accountId && following.from === seq + 1) following.from = seq;
  else runs.splice(at, 0, { accountId, from: seq, to: seq });
}
