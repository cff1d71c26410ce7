/**
 * The send path: every send is written to the store's outbox first (so it survives a
 * restart), goes on the wire when a socket is authenticated, and is sent again — with the
 * same client message id, which the server deduplicates to the original seq — after each
 * reconnect and whenever a `send-result` is overdue. It leaves the outbox only on a
 * `send-result` or a non-retryable error. At most `maxInFlight` sends await their result
 * on a socket (the gateway refuses more than its per-socket limit); the rest wait their
 * turn in order.
 */
import type { ClientMessageId, ConversationId, MessageId, ServerFrameOf } from '@twin/chat-protocol';
import type { ChatStore, PendingSend } from './store/interface.ts';

/** Pause before resending a send the gateway refused with a retryable error (overload, rate limit). */
const RETRY_DELAY_MS = 500;

export interface SendOutcome {
  clientMessageId: ClientMessageId;
  conversationId: ConversationId;
  messageId: MessageId;
  seq: number;
  storedAt: number;
  /** The server had this client message id already (a resend): `seq` is the original's. */
  duplicate: boolean;
}

/** A send the server refused for good (not a member, too large, …). */
export class SendError extends Error {
  readonly code: string;
  readonly clientMessageId: ClientMessageId;
  constructor(code: string, message: string, clientMessageId: ClientMessageId) {
    super(message);
    this.name = 'SendError';
    this.code = code;
    this.clientMessageId = clientMessageId;
  }
}

interface InFlight {
  send: PendingSend;
  lastSentAt: number;
  /** After a retryable refusal: not before this time (epoch ms). */
  notBefore?: number;
  waiters: Array<{ resolve: (outcome: SendOutcome) => void; reject: (error: Error) => void }>;
}

export interface OutboxOptions {
  store: ChatStore;
  /** Puts a `send` frame on the authenticated socket; false when offline. */
  transmit: (send: PendingSend) => boolean;
  /** Resend an unconfirmed message after this long on a live socket, ms. */
  resendAfterMs?: number;
  /** Sends awaiting their result at once, at most (below the gateway's CHAT_WS_MAX_PENDING_SENDS). */
  maxInFlight?: number;
  /** Called for every confirmed send (including ones restored from the store). */
  onConfirmed: (send: PendingSend, outcome: SendOutcome) => void;
  onFailed: (send: PendingSend, error: SendError) => void;
}

export class Outbox {
  readonly #options: OutboxOptions;
  readonly #pending = new Map<ClientMessageId, InFlight>();
  /** Transmitted on the current socket and not yet answered. */
  readonly #inFlight = new Set<ClientMessageId>();
  readonly #maxInFlight: number;
  readonly #timer: ReturnType<typeof setInterval>;

  private constructor(options: OutboxOptions, restored: PendingSend[]) {
    this.#options = options;
    this.#maxInFlight = options.maxInFlight ?? 256;
    for (const send of restored) this.#pending.set(send.clientMessageId, { send, lastSentAt: 0, waiters: [] });
    const every = options.resendAfterMs ?? 5_000;
    this.#timer = setInterval(() => this.#resendOverdue(every), Math.max(100, Math.min(RETRY_DELAY_MS, Math.floor(every / 2))));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  static async create(options: OutboxOptions): Promise<Outbox> {
    return new Outbox(options, await options.store.getOutbox());
  }

  get size(): number {
    return this.#pending.size;
  }

  pending(): PendingSend[] {
    return [...this.#pending.values()].map((p) => p.send);
  }

  /** Stores the send, transmits it if possible, and resolves with its seq once confirmed. */
  async submit(send: PendingSend): Promise<SendOutcome> {
    await this.#options.store.addToOutbox(send);
    return new Promise((resolve, reject) => {
      const existing = this.#pending.get(send.clientMessageId);
      if (existing) return existing.waiters.push({ resolve, reject });
      this.#pending.set(send.clientMessageId, { send, lastSentAt: 0, waiters: [{ resolve, reject }] });
      this.#pump();
    });
  }

  /** Transmits the unconfirmed sends again from the oldest (after a fresh auth, or on demand). */
  transmitAll(): void {
    this.#inFlight.clear();
    this.#pump();
  }

  /** Transmits waiting sends, oldest first, while the in-flight window has room. */
  #pump(): void {
    if (this.#inFlight.size >= this.#maxInFlight) return;
    for (const entry of this.#pending.values()) {
      const id = entry.send.clientMessageId;
      if (this.#inFlight.has(id) || (entry.notBefore ?? 0) > Date.now()) continue;
      if (!this.#options.transmit(entry.send)) return;
      entry.lastSentAt = Date.now();
      this.#inFlight.add(id);
      if (this.#inFlight.size >= this.#maxInFlight) return;
    }
  }

  confirmed(frame: ServerFrameOf<'send-result'>): void {
    const clientMessageId = frame.clientMessageId as ClientMessageId;
    const entry = this.#pending.get(clientMessageId);
    if (!entry) return; // a second answer to a resend
    this.#pending.delete(clientMessageId);
    this.#inFlight.delete(clientMessageId);
    this.#pump();
    const outcome: SendOutcome = {
      clientMessageId,
      conversationId: frame.conversationId as ConversationId,
      messageId: frame.messageId as MessageId,
      seq: frame.seq,
      storedAt: frame.storedAt,
      duplicate: frame.duplicate,
    };
    this.#options.onConfirmed(entry.send, outcome);
    for (const waiter of entry.waiters) waiter.resolve(outcome);
    void this.#options.store.removeFromOutbox([clientMessageId]).catch(() => {
      // Left in the store, it is resent on the next start and answered as a duplicate.
    });
  }

  /** An `error` frame about a send (its `ref` is the client message id). True when it was ours. */
  failed(frame: ServerFrameOf<'error'>): boolean {
    const entry = frame.ref === undefined ? undefined : this.#pending.get(frame.ref as ClientMessageId);
    if (!entry) return false;
    this.#inFlight.delete(entry.send.clientMessageId);
    if (frame.retryable) {
      entry.notBefore = Date.now() + RETRY_DELAY_MS; // then transmitted again by a later pump
      return true;
    }
    this.#pending.delete(entry.send.clientMessageId);
    this.#pump();
    const error = new SendError(frame.code, frame.message, entry.send.clientMessageId);
    this.#options.onFailed(entry.send, error);
    for (const waiter of entry.waiters) waiter.reject(error);
    void this.#options.store.removeFromOutbox([entry.send.clientMessageId]).catch(() => {});
    return true;
  }

  dispose(): void {
    clearInterval(this.#timer);
  }

  /** Sends whose result is overdue go out again (same id); refused retryable ones get their turn again. */
  #resendOverdue(afterMs: number): void {
    const now = Date.now();
    for (const entry of this.#pending.values()) {
      const id = entry.send.clientMessageId;
      if (!this.#inFlight.has(id) || now - entry.lastSentAt < afterMs) continue;
      if (!this.#options.transmit(entry.send)) return;
      entry.lastSentAt = now;
    }
    this.#pump();
  }
}
