/**
 * Typing indicators without a frame per keystroke: the first keystroke sends
 * `active: true`, further ones refresh it at most every `refreshMs` (the server's typing
 * state expires after ~5 s), and `autoStopMs` without a keystroke sends `active: false`.
 */
import type { ConversationId } from '@twin/chat-protocol';

export interface TypingThrottleOptions {
  send: (conversationId: ConversationId, active: boolean) => void;
  refreshMs?: number;
  autoStopMs?: number;
  now?: () => number;
}

export class TypingThrottle {
  readonly #send: TypingThrottleOptions['send'];
  readonly #refreshMs: number;
  readonly #autoStopMs: number;
  readonly #now: () => number;
  readonly #active = new Map<ConversationId, { sentAt: number; stop: ReturnType<typeof setTimeout> }>();

  constructor(options: TypingThrottleOptions) {
    this.#send = options.send;
    this.#refreshMs = options.refreshMs ?? 3_000;
    this.#autoStopMs = options.autoStopMs ?? 4_000;
    this.#now = options.now ?? Date.now;
  }

  keystroke(conversationId: ConversationId): void {
    const now = this.#now();
    const state = this.#active.get(conversationId);
    if (state) clearTimeout(state.stop);
    let sentAt = state?.sentAt ?? -Infinity;
    if (now - sentAt >= this.#refreshMs) {
      this.#send(conversationId, true);
      sentAt = now;
    }
    this.#active.set(conversationId, { sentAt, stop: setTimeout(() => this.stop(conversationId), this.#autoStopMs) });
  }

  /** Stops at once (message sent, input cleared); a no-op when not typing. */
  stop(conversationId: ConversationId): void {
    const state = this.#active.get(conversationId);
    if (!state) return;
    clearTimeout(state.stop);
    this.#active.delete(conversationId);
    this.#send(conversationId, false);
  }

  dispose(): void {
    for (const state of this.#active.values()) clearTimeout(state.stop);
    this.#active.clear();
  }
}
