/**
 * The receive path: delivered messages → ordering buffer (dedupe, seq order, held behind
 * gaps) → the app's `onMessages` handler, one batch at a time → once it resolves, the
 * cursors are stored and a cumulative ack is queued — so the server's cursor for this
 * device never passes what the app really has. Gaps are repaired with `sync` frames;
 * a gap the server cannot fill (it answered `caught-up` twice without it) is skipped.
 */
import type { ConversationId, ServerFrameOf, WireMessage } from '@twin/chat-protocol';
import type { ChatStore } from '../store/interface.ts';
import { AckCoalescer } from './ack-coalescer.ts';
import { OrderingBuffer } from './ordering-buffer.ts';

export interface ReceiverOptions {
  store: ChatStore;
  /** Stores a batch; the batch counts as received only when this resolves. */
  handle: (messages: WireMessage[]) => Promise<void>;
  /** Sends a frame if authenticated; false otherwise. */
  sendFrame: (frame: { type: 'ack'; conversationId: ConversationId; seq: number } | { type: 'sync'; conversationId: ConversationId; afterSeq: number }) => boolean;
  onError: (error: unknown) => void;
  ackWindowMs?: number;
  /** How long a gap may wait for in-flight messages before a `sync` is asked for, ms. */
  gapGraceMs?: number;
  /** Delay before a batch the app failed to store is fetched again, ms. */
  retryAfterMs?: number;
}

export class Receiver {
  readonly #options: ReceiverOptions;
  readonly #buffer: OrderingBuffer;
  readonly #acks: AckCoalescer;
  /** Per conversation, the highest seq the app has durably stored. */
  readonly #stored = new Map<ConversationId, number>();
  readonly #queue: WireMessage[][] = [];
  /** Gap repair state per conversation: the afterSeq last asked for and how often without progress. */
  readonly #repairs = new Map<ConversationId, { afterSeq: number; attempts: number; inFlight: boolean }>();
  readonly #gapTimers = new Map<ConversationId, ReturnType<typeof setTimeout>>();
  readonly #idleWaiters: Array<() => void> = [];
  #processing = false;
  #live = false;
  #disposed = false;

  private constructor(options: ReceiverOptions, cursors: Array<[ConversationId, number]>) {
    this.#options = options;
    this.#buffer = new OrderingBuffer(cursors);
    for (const [conversationId, seq] of cursors) this.#stored.set(conversationId, seq);
    this.#acks = new AckCoalescer({
      windowMs: options.ackWindowMs ?? 20,
      send: (conversationId, seq) => options.sendFrame({ type: 'ack', conversationId, seq }),
    });
  }

  static async create(options: ReceiverOptions): Promise<Receiver> {
    return new Receiver(options, await options.store.getCursors());
  }

  /** The highest seq of the conversation the app has stored. */
  storedSeq(conversationId: ConversationId): number {
    return this.#stored.get(conversationId) ?? 0;
  }

  /** A new authenticated socket: the backlog follows, acks may need repeating. */
  connected(): void {
    this.#live = false;
    this.#acks.forgetSent();
    this.#acks.flush();
    for (const repair of this.#repairs.values()) repair.inFlight = false;
  }

  /** Messages from a `deliver` frame or our own confirmed sends. */
  accept(messages: readonly WireMessage[]): void {
    const { ready } = this.#buffer.accept(messages);
    // Redelivery of what the app already stored means our ack did not reach the server: repeat it.
    for (const message of messages) {
      const stored = this.storedSeq(message.conversationId as ConversationId);
      if (message.seq <= stored) this.#acks.mark(message.conversationId as ConversationId, stored);
    }
    this.#enqueue(ready);
    if (this.#live) for (const conversationId of new Set(messages.map((m) => m.conversationId as ConversationId))) this.#watchGap(conversationId);
  }

  caughtUp(frame: ServerFrameOf<'caught-up'>): void {
    if (frame.conversationId === undefined) {
      this.#live = true;
      for (const gap of this.#buffer.gaps()) this.#requestRepair(gap.conversationId);
      return;
    }
    const conversationId = frame.conversationId as ConversationId;
    const repair = this.#repairs.get(conversationId);
    if (repair) repair.inFlight = false;
    if (this.#buffer.gapOf(conversationId)) this.#requestRepair(conversationId);
    else this.#repairs.delete(conversationId);
  }

  /** Resolves when every released batch is stored and its ack sent (or queued while offline). */
  whenIdle(): Promise<void> {
    if (!this.#processing && this.#queue.length === 0) {
      this.#acks.flush();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  dispose(): void {
    this.#disposed = true;
    this.#acks.dispose();
    for (const timer of this.#gapTimers.values()) clearTimeout(timer);
  }

  #watchGap(conversationId: ConversationId): void {
    if (!this.#buffer.gapOf(conversationId) || this.#gapTimers.has(conversationId)) return;
    // Messages of one commit can reach us by two paths (our send-result and the fan-out): give them a moment.
    const timer = setTimeout(() => {
      this.#gapTimers.delete(conversationId);
      if (this.#buffer.gapOf(conversationId)) this.#requestRepair(conversationId);
    }, this.#options.gapGraceMs ?? 250);
    this.#gapTimers.set(conversationId, timer);
  }

  #requestRepair(conversationId: ConversationId): void {
    const gap = this.#buffer.gapOf(conversationId);
    if (!gap || this.#disposed) return;
    const repair = this.#repairs.get(conversationId);
    if (repair?.inFlight) return;
    const attempts = repair && repair.afterSeq === gap.afterSeq ? repair.attempts + 1 : 1;
    if (attempts > 2) {
      // Asked twice and the server still has nothing for the hole: it cannot be filled for this device.
      this.#repairs.delete(conversationId);
      this.#enqueue(this.#buffer.skipGap(conversationId));
      this.#watchGap(conversationId);
      return;
    }
    const inFlight = this.#options.sendFrame({ type: 'sync', conversationId, afterSeq: gap.afterSeq });
    this.#repairs.set(conversationId, { afterSeq: gap.afterSeq, attempts, inFlight });
  }

  #enqueue(ready: WireMessage[]): void {
    if (ready.length === 0) return;
    this.#queue.push(ready);
    if (!this.#processing) void this.#process();
  }

  async #process(): Promise<void> {
    this.#processing = true;
    while (this.#queue.length && !this.#disposed) {
      const batch = this.#queue.shift()!;
      try {
        await this.#options.handle(batch);
      } catch (error) {
        this.#options.onError(error);
        this.#storeFailed(batch);
        continue;
      }
      const highest = new Map<ConversationId, number>();
      for (const message of batch) highest.set(message.conversationId as ConversationId, message.seq);
      try {
        await this.#options.store.setCursors([...highest]);
      } catch (error) {
        this.#options.onError(error);
      }
      for (const [conversationId, seq] of highest) {
        if (seq > this.storedSeq(conversationId)) this.#stored.set(conversationId, seq);
        this.#acks.mark(conversationId, seq);
      }
    }
    this.#processing = false;
    this.#acks.flush();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** The app could not store a batch: forget it and everything queued after it in those conversations, then fetch again. */
  #storeFailed(batch: WireMessage[]): void {
    const failed = new Set(batch.map((m) => m.conversationId as ConversationId));
    for (let i = 0; i < this.#queue.length; i++) this.#queue[i] = this.#queue[i]!.filter((m) => !failed.has(m.conversationId as ConversationId));
    for (const conversationId of failed) {
      this.#buffer.rewind(conversationId, this.storedSeq(conversationId));
      setTimeout(() => {
        if (!this.#disposed) this.#options.sendFrame({ type: 'sync', conversationId, afterSeq: this.storedSeq(conversationId) });
      }, this.#options.retryAfterMs ?? 1_000);
    }
  }
}
