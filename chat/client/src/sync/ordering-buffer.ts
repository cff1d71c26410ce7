/**
 * Puts delivered messages into `seq` order per conversation and drops duplicates, so the
 * app sees every log entry exactly once and in order although the wire is at-least-once
 * (redelivery after reconnect, overlapping sync pages, our own sends echoed back).
 *
 * Per conversation it tracks `released`: the highest seq handed to the app, all below it
 * contiguous. A message at `released + 1` is released together with any held successors;
 * one beyond it is held, and the conversation has a gap (`afterSeq = released`) that the
 * client repairs with a `sync` frame. Nothing is released past a gap.
 */
import type { ConversationId, WireMessage } from '@twin/chat-protocol';

export interface Gap {
  readonly conversationId: ConversationId;
  /** Everything up to here is released; the next expected seq is `afterSeq + 1`. */
  readonly afterSeq: number;
  /** The lowest seq held beyond the gap. */
  readonly nextHeldSeq: number;
}

export interface AcceptResult {
  /** Messages to hand to the app now, in seq order per conversation. */
  readonly ready: WireMessage[];
  /** How many incoming messages were already released or held. */
  readonly duplicates: number;
}

/** Held messages per conversation beyond which new out-of-order arrivals are dropped (sync fetches them again). */
const MAX_HELD = 10_000;

export class OrderingBuffer {
  readonly #released = new Map<ConversationId, number>();
  readonly #held = new Map<ConversationId, Map<number, WireMessage>>();

  /** `cursors`: per conversation, the highest seq the app already stored (released before). */
  constructor(cursors: Iterable<readonly [ConversationId, number]> = []) {
    for (const [conversationId, seq] of cursors) this.#released.set(conversationId, seq);
  }

  released(conversationId: ConversationId): number {
    return this.#released.get(conversationId) ?? 0;
  }

  accept(messages: readonly WireMessage[]): AcceptResult {
    const ready: WireMessage[] = [];
    let duplicates = 0;
    const touched = new Set<ConversationId>();
    for (const message of messages) {
      const conversationId = message.conversationId as ConversationId;
      const released = this.released(conversationId);
      if (message.seq <= released) {
        duplicates++;
        continue;
      }
      let held = this.#held.get(conversationId);
      if (!held) this.#held.set(conversationId, (held = new Map()));
      if (held.has(message.seq)) {
        duplicates++;
        continue;
      }
      if (message.seq > released + 1 && held.size >= MAX_HELD) continue;
      held.set(message.seq, message);
      touched.add(conversationId);
    }
    for (const conversationId of touched) ready.push(...this.#drain(conversationId));
    return { ready, duplicates };
  }

  /** Conversations with messages held behind a missing seq. */
  gaps(): Gap[] {
    const gaps: Gap[] = [];
    for (const [conversationId, held] of this.#held) {
      if (held.size === 0) continue;
      gaps.push({ conversationId, afterSeq: this.released(conversationId), nextHeldSeq: Math.min(...held.keys()) });
    }
    return gaps;
  }

  gapOf(conversationId: ConversationId): Gap | undefined {
    const held = this.#held.get(conversationId);
    if (!held || held.size === 0) return undefined;
    return { conversationId, afterSeq: this.released(conversationId), nextHeldSeq: Math.min(...held.keys()) };
  }

  /**
   * Gives up on a gap the server cannot fill (entries this device may not see, e.g. from
   * before it was linked, or swept by retention): releases from the lowest held seq on.
   */
  skipGap(conversationId: ConversationId): WireMessage[] {
    const gap = this.gapOf(conversationId);
    if (!gap) return [];
    this.#released.set(conversationId, gap.nextHeldSeq - 1);
    return this.#drain(conversationId);
  }

  /**
   * Moves `released` back (the app failed to store a batch): those seqs are accepted again
   * when they are redelivered. Held messages stay held.
   */
  rewind(conversationId: ConversationId, toSeq: number): void {
    if (toSeq < this.released(conversationId)) this.#released.set(conversationId, toSeq);
  }

  #drain(conversationId: ConversationId): WireMessage[] {
    const held = this.#held.get(conversationId);
    const out: WireMessage[] = [];
    if (!held) return out;
    let next = this.released(conversationId) + 1;
    for (let message = held.get(next); message; message = held.get(next)) {
      out.push(message);
      held.delete(next);
      next++;
    }
    if (out.length) this.#released.set(conversationId, next - 1);
    if (held.size === 0) this.#held.delete(conversationId);
    return out;
  }
}
