/**
 * Delivery to one authenticated socket: its conversation cursors, the catch-up pump that
 * reads missed ranges from the log, the live path, and backpressure.
 *
 * - Connect (and `sync` without a conversation): `pendingConversations` gives each behind
 *   conversation's acked cursor; the pump streams each from there in `seq` order, a page
 *   (MAX_PAGE_MESSAGES) per read, conversation by conversation, then sends `caught-up`.
 * - Live: a message for a conversation whose cursor is exactly one behind it is queued and
 *   flushed once per tick (several messages per `deliver` frame). A duplicate is dropped;
 *   a gap (or any message while that conversation is being caught up, or while the socket
 *   lags) only raises the conversation's known end, and the pump reads the range from SQL.
 *   So missed messages always precede live ones, with no gap and no duplicate per socket.
 * - A conversation this socket has no cursor for (a live message in a conversation that
 *   was not behind at connect, or one the account just joined) is resolved against the
 *   device's acked cursor with one `pendingConversations` call per round for all such
 *   conversations, never by guessing from the first seq seen (events may arrive out of
 *   order across nodes and transactions).
 * - Backpressure: when the socket's buffered bytes pass `maxBufferedBytes`, live push stops
 *   (the socket is "lagging") and unsent live messages roll the cursor back; once the
 *   buffer drains the pump catches up from SQL. Catch-up pages wait for the buffer to drain
 *   before the next read. A socket that does not drain within `stuckTimeoutMs` is closed
 *   with 4029 (too slow). Memory per socket is therefore bounded by the threshold plus one
 *   frame, never by the backlog.
 */
import { CloseCode, MAX_PAGE_MESSAGES, type ConversationId, type WireMessage } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import type { ChatCore, DeviceIdentity } from '../core.ts';
import { ConversationCursor } from './conversation-cursor.ts';
import { deliverFrames, pageFrames } from './deliver-frames.ts';

/** What the delivery stream needs from a socket. */
export interface DeliverySocket {
  readonly open: boolean;
  /** Sends one serialised frame. */
  send(frame: string): void;
  /** Bytes queued for the socket but not yet written to the kernel. */
  bufferedAmount(): number;
  /** Resolves true once the buffered bytes are at or below `bytes`, false if the socket closed or `timeoutMs` passed first. */
  waitForBuffered(bytes: number, timeoutMs: number): Promise<boolean>;
  close(code: number, reason: string): void;
  /** Sends an `error` frame (for a failed `sync`). */
  sendError(error: unknown, ref: string | undefined): void;
}

export interface DeviceStreamOptions {
  readonly core: ChatCore;
  readonly identity: DeviceIdentity;
  readonly socket: DeliverySocket;
  readonly maxBufferedBytes: number;
  readonly stuckTimeoutMs: number;
  /** Called each time the socket starts lagging (live push stops). */
  readonly onLagging?: () => void;
  /** Called with the live messages as they are written (latency metric). */
  readonly onLiveWritten?: (messages: readonly WireMessage[]) => void;
  readonly onError?: (error: unknown, context: string) => void;
  /** Page size of log reads; MAX_PAGE_MESSAGES unless a test wants small pages. */
  readonly pageSize?: number;
}

export class DeviceStream {
  readonly identity: DeviceIdentity;
  /** The socket this stream writes to (typing, presence and receipts frames go there too). */
  readonly socket: DeliverySocket;
  readonly #options: DeviceStreamOptions;
  readonly #pageSize: number;
  readonly #cursors = new Map<ConversationId, ConversationCursor>();
  /** Conversations the pump must read from the log (insertion-ordered: oldest first). */
  readonly #behind = new Set<ConversationId>();
  /** Conversations the account left: nothing of them is delivered, even if a stale roster routes it here. */
  readonly #left = new Set<ConversationId>();
  /** Conversations with live traffic but no cursor yet → highest seq seen. */
  #unresolved = new Map<ConversationId, number>();
  #resolving = false;
  #pumping = false;
  #lagging = false;
  #liveQueue: WireMessage[] = [];
  #flushScheduled = false;
  /** A session-level `caught-up` is owed (connect or a `sync` without conversation). */
  #caughtUpOwed = false;
  /** Rewind the behind conversations to their acked cursors in the next resolve round (`sync` without conversation). */
  #rewindToAcked = false;
  #closed = false;

  constructor(options: DeviceStreamOptions) {
    this.#options = options;
    this.identity = options.identity;
    this.socket = options.socket;
    this.#pageSize = options.pageSize ?? MAX_PAGE_MESSAGES;
  }

  get lagging(): boolean {
    return this.#lagging;
  }

  /** Starts the connect-time catch-up: every conversation behind its acked cursor, then `caught-up`. */
  start(): void {
    this.syncAll();
  }

  /** Re-streams everything after the device's acked cursors (a `sync` frame without conversation). */
  syncAll(): void {
    this.#caughtUpOwed = true;
    this.#rewindToAcked = true;
    void this.#resolve();
  }

  /** Re-streams one conversation after `afterSeq` (gap repair), or after its acked cursor. */
  syncConversation(conversationId: ConversationId, afterSeq: number | undefined, ref: string | undefined): void {
    if (afterSeq === undefined) {
      void this.#syncConversationFromAck(conversationId, ref);
      return;
    }
    let cursor = this.#cursors.get(conversationId);
    if (!cursor) {
      cursor = new ConversationCursor(afterSeq);
      this.#cursors.set(conversationId, cursor);
      this.#unresolved.delete(conversationId);
    } else cursor.rewind(afterSeq);
    this.#dropQueued(conversationId);
    cursor.caughtUpOwed = true;
    this.#syncRefs.set(conversationId, ref);
    // Unknown end: the pump reads until a short page.
    cursor.knownEnd = Math.max(cursor.knownEnd, afterSeq + 1);
    this.#behind.add(conversationId);
    void this.#pump();
  }

  readonly #syncRefs = new Map<ConversationId, string | undefined>();

  async #syncConversationFromAck(conversationId: ConversationId, ref: string | undefined): Promise<void> {
    try {
      const pending = await this.#options.core.pendingConversations(this.identity);
      const entry = pending.find((p) => p.conversationId === conversationId);
      if (entry) this.syncConversation(conversationId, entry.ackedSeq, ref);
      else {
        // Not behind: check membership so a non-member hears so, then report caught up.
        await this.#options.core.readAfter(this.identity, conversationId, Number.MAX_SAFE_INTEGER - 1, 1);
        this.#sendFrame(JSON.stringify({ type: 'caught-up', conversationId }));
      }
    } catch (error) {
      this.#options.socket.sendError(error, ref);
    }
  }

  /**
   * Live messages of one conversation for this device, in seq order. Those `sentBy` this
   * very stream advance its cursor but are not sent: the device has them from its
   * send-result. Only the live path skips them; a catch-up read from the log sends
   * everything after the device's acked cursor.
   */
  offer(conversationId: ConversationId, messages: readonly WireMessage[], sentBy?: ReadonlyMap<WireMessage, DeviceStream>): void {
    if (this.#closed || messages.length === 0 || this.#left.has(conversationId)) return;
    const cursor = this.#cursors.get(conversationId);
    if (!cursor) {
      const last = messages[messages.length - 1]!.seq;
      this.#unresolved.set(conversationId, Math.max(this.#unresolved.get(conversationId) ?? 0, last));
      void this.#resolve();
      return;
    }
    if (this.#lagging) this.#behind.add(conversationId);
    const routeToPump = this.#behind.has(conversationId);
    for (const message of messages) {
      if (routeToPump) {
        if (message.seq > cursor.knownEnd) cursor.knownEnd = message.seq;
        continue;
      }
      const decision = cursor.offer(message.seq);
      if (decision === 'send') {
        if (sentBy?.get(message) !== this) this.#liveQueue.push(message);
      } else if (decision === 'gap') {
        this.#behind.add(conversationId);
        break;
      }
    }
    if (this.#behind.has(conversationId)) {
      const last = messages[messages.length - 1]!.seq;
      if (last > cursor.knownEnd) cursor.knownEnd = last;
      void this.#pump();
    }
    this.#scheduleFlush();
  }

  /** The account left the conversation: forget it, deliver nothing more of it (until it rejoins). */
  forget(conversationId: ConversationId): void {
    this.#left.add(conversationId);
    this.#cursors.delete(conversationId);
    this.#behind.delete(conversationId);
    this.#unresolved.delete(conversationId);
    this.#dropQueued(conversationId);
  }

  /** The account (re)joined: live messages of the conversation are welcome again. */
  rejoined(conversationId: ConversationId): void {
    this.#left.delete(conversationId);
  }

  close(): void {
    this.#closed = true;
    this.#liveQueue = [];
  }

  // ---- live path ----

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#liveQueue.length === 0) return;
    this.#flushScheduled = true;
    // Once the current fan-out is done, so the messages of one commit share a frame; not a
    // turn later, which would add a turn of every other socket's work to the latency.
    queueMicrotask(() => this.#flushLive());
  }

  #flushLive(): void {
    this.#flushScheduled = false;
    const queue = this.#liveQueue;
    this.#liveQueue = [];
    if (this.#closed || queue.length === 0) return;
    const socket = this.#options.socket;
    let sent = 0;
    for (const frame of deliverFrames(queue)) {
      if (!socket.open) return;
      if (socket.bufferedAmount() > this.#options.maxBufferedBytes) break;
      socket.send(frame.text);
      sent += frame.count;
    }
    if (sent > 0) this.#options.onLiveWritten?.(sent === queue.length ? queue : queue.slice(0, sent));
    if (sent < queue.length) {
      // Lagging: roll each conversation's cursor back to before its first unsent message.
      this.#startLagging();
      for (const message of queue.slice(sent)) this.#rollBack(message);
      void this.#pump();
    } else if (socket.bufferedAmount() > this.#options.maxBufferedBytes) {
      this.#startLagging();
      void this.#pump();
    }
  }

  #startLagging(): void {
    if (this.#lagging) return;
    this.#lagging = true;
    this.#options.onLagging?.();
  }

  #rollBack(message: WireMessage): void {
    const cursor = this.#cursors.get(message.conversationId as ConversationId);
    if (!cursor) return;
    if (message.seq - 1 < cursor.sentUpTo) cursor.sentUpTo = message.seq - 1;
    if (message.seq > cursor.knownEnd) cursor.knownEnd = message.seq;
    this.#behind.add(message.conversationId as ConversationId);
  }

  #dropQueued(conversationId: ConversationId): void {
    if (this.#liveQueue.length > 0) this.#liveQueue = this.#liveQueue.filter((m) => m.conversationId !== conversationId);
  }

  // ---- cursors from the device's acked state ----

  async #resolve(): Promise<void> {
    if (this.#resolving) return;
    this.#resolving = true;
    try {
      while (!this.#closed && (this.#unresolved.size > 0 || this.#rewindToAcked)) {
        const seenBefore = this.#unresolved;
        this.#unresolved = new Map();
        const rewind = this.#rewindToAcked;
        this.#rewindToAcked = false;
        const pending = await this.#options.core.pendingConversations(this.identity);
        if (this.#closed) return;
        for (const entry of pending) {
          const existing = this.#cursors.get(entry.conversationId);
          const seen = Math.max(seenBefore.get(entry.conversationId) ?? 0, this.#unresolved.get(entry.conversationId) ?? 0);
          if (existing && !rewind) continue;
          if (existing) {
            existing.rewind(entry.ackedSeq);
            existing.knownEnd = Math.max(existing.knownEnd, entry.lastSeq, seen);
            this.#dropQueued(entry.conversationId);
          } else {
            this.#cursors.set(entry.conversationId, new ConversationCursor(entry.ackedSeq, Math.max(entry.lastSeq, seen)));
          }
          this.#unresolved.delete(entry.conversationId);
          seenBefore.delete(entry.conversationId);
          if (this.#cursors.get(entry.conversationId)!.behind) this.#behind.add(entry.conversationId);
        }
        // Not behind at the time of the query: everything seen before the query started is
        // acked (it was committed before the query). What arrived during it may be newer.
        for (const [conversationId, seq] of seenBefore) {
          if (this.#cursors.has(conversationId)) continue;
          const cursor = new ConversationCursor(seq, this.#unresolved.get(conversationId) ?? seq);
          this.#cursors.set(conversationId, cursor);
          this.#unresolved.delete(conversationId);
          if (cursor.behind) this.#behind.add(conversationId);
        }
      }
    } catch (error) {
      this.#options.onError?.(error, 'resolving delivery cursors');
      if (!this.#closed) this.#options.socket.close(CloseCode.goingAway, 'delivery state unavailable');
      return;
    } finally {
      this.#resolving = false;
    }
    void this.#pump();
  }

  // ---- catch-up pump ----

  async #pump(): Promise<void> {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    const socket = this.#options.socket;
    try {
      while (!this.#closed) {
        if (socket.bufferedAmount() > this.#options.maxBufferedBytes) {
          this.#startLagging();
          const drained = await socket.waitForBuffered(this.#options.maxBufferedBytes, this.#options.stuckTimeoutMs);
          if (this.#closed) return;
          if (!drained) {
            socket.close(CloseCode.tooSlow, 'too slow: reconnect and sync');
            return;
          }
        }
        const conversationId = first(this.#behind);
        if (conversationId === undefined) break;
        const cursor = this.#cursors.get(conversationId);
        if (!cursor) {
          this.#behind.delete(conversationId);
          continue;
        }
        const epoch = cursor.epoch;
        const from = cursor.sentUpTo;
        const knownEndBefore = cursor.knownEnd;
        let page: WireMessage[];
        try {
          page = await this.#options.core.readAfter(this.identity, conversationId, from, this.#pageSize);
        } catch (error) {
          if (this.#closed) return;
          const ref = this.#syncRefs.get(conversationId);
          this.forget(conversationId);
          this.#syncRefs.delete(conversationId);
          if (error instanceof AppError && error.spec.status < 500) {
            if (cursor.caughtUpOwed) socket.sendError(error, ref);
            continue;
          }
          throw error;
        }
        if (this.#closed) return;
        if (this.#cursors.get(conversationId) !== cursor || cursor.epoch !== epoch || cursor.sentUpTo !== from) continue;
        const fresh = page.filter((m) => m.seq > from);
        if (fresh.length > 0) {
          for (const frame of pageFrames(fresh)) socket.send(frame.text);
          cursor.sentUpTo = fresh[fresh.length - 1]!.seq;
          if (cursor.sentUpTo > cursor.knownEnd) cursor.knownEnd = cursor.sentUpTo;
        }
        if (page.length < this.#pageSize) {
          // The log's end as of this read. A live message that raced the read raised knownEnd
          // meanwhile: read again. Otherwise this conversation is live again.
          if (cursor.knownEnd > knownEndBefore && cursor.knownEnd > cursor.sentUpTo) continue;
          cursor.knownEnd = cursor.sentUpTo;
          this.#behind.delete(conversationId);
          if (cursor.caughtUpOwed) {
            cursor.caughtUpOwed = false;
            this.#syncRefs.delete(conversationId);
            this.#sendFrame(JSON.stringify({ type: 'caught-up', conversationId }));
          }
        }
      }
      if (this.#closed) return;
      if (socket.bufferedAmount() > this.#options.maxBufferedBytes) this.#startLagging();
      else this.#lagging = false;
      if (!this.#lagging && this.#caughtUpOwed && !this.#resolving && this.#unresolved.size === 0 && !this.#rewindToAcked) {
        this.#caughtUpOwed = false;
        this.#sendFrame('{"type":"caught-up"}');
      }
    } catch (error) {
      this.#options.onError?.(error, 'catching up');
      if (!this.#closed) socket.close(CloseCode.goingAway, 'delivery state unavailable');
      return;
    } finally {
      this.#pumping = false;
    }
    // Work added while the last read was finishing.
    if (!this.#closed && (this.#behind.size > 0 || this.#lagging)) void this.#pump();
  }

  #sendFrame(frame: string): void {
    if (this.#options.socket.open) this.#options.socket.send(frame);
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const value of set) return value;
  return undefined;
}

