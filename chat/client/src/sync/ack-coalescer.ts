/**
 * Coalesces acks: acks are cumulative per conversation (`ack up to seq`), so of many
 * marks within one flush window only the highest per conversation is sent — one frame
 * per conversation per window instead of one per message. A flush that cannot be sent
 * (socket down) keeps its marks for the next one.
 */
import type { ConversationId } from '@twin/chat-protocol';

export interface AckCoalescerOptions {
  /** Sends one cumulative ack; returns false when it could not be sent (keep it pending). */
  send: (conversationId: ConversationId, seq: number) => boolean;
  /** How long marks collect before a flush, ms. */
  windowMs?: number;
}

export class AckCoalescer {
  readonly #send: AckCoalescerOptions['send'];
  readonly #windowMs: number;
  readonly #pending = new Map<ConversationId, number>();
  readonly #sent = new Map<ConversationId, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AckCoalescerOptions) {
    this.#send = options.send;
    this.#windowMs = options.windowMs ?? 20;
  }

  /** The app has stored the conversation up to `seq`. */
  mark(conversationId: ConversationId, seq: number): void {
    if (seq <= Math.max(this.#pending.get(conversationId) ?? 0, this.#sent.get(conversationId) ?? 0)) return;
    this.#pending.set(conversationId, seq);
    this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
  }

  /** Sends every pending ack now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [conversationId, seq] of [...this.#pending]) {
      if (!this.#send(conversationId, seq)) continue;
      this.#pending.delete(conversationId);
      this.#sent.set(conversationId, seq);
    }
  }

  /** Conversations with an ack waiting for the next flush. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * A new connection: acks in flight on the old one may never have arrived, so forget what
   * was sent — a later mark at the same seq (the server redelivering what we had stored)
   * goes out again instead of being skipped.
   */
  forgetSent(): void {
    this.#sent.clear();
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
