/**
 * Typing indicators: ephemeral, in the cache seam only. A `typing` frame is published on
 * the cache channel `chat:typing`; every gateway node hears it and tells its local sockets
 * of the conversation's other members. The indicator lives `ttlMs` (~5 s): each node that
 * relayed `active: true` sends `active: false` itself once no refresh came within the TTL,
 * so a sender that vanished mid-sentence never leaves "typing…" on screen. Nothing is
 * stored: a late joiner learns of typing from the next refresh, which clients send every
 * few seconds while typing.
 */
import type { AccountId, ConversationId, DeviceId } from '@twin/chat-protocol';
import type { Cache, Unsubscribe } from '@twin/platform/cache';

export interface TypingEvent {
  readonly conversationId: ConversationId;
  readonly accountId: AccountId;
  readonly deviceId: DeviceId;
  readonly active: boolean;
}

export interface TypingRelayOptions {
  readonly cache: Cache;
  readonly ttlMs: number;
  /** Sends the event to this node's sockets of the conversation's members (except the typer's account). */
  readonly deliverLocal: (event: TypingEvent) => void;
  readonly onError: (error: unknown, context: string) => void;
}

const CHANNEL = 'chat:typing';

export class TypingRelay {
  readonly #options: TypingRelayOptions;
  readonly #expiries = new Map<string, NodeJS.Timeout>();
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: TypingRelayOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#options.cache.subscribe(CHANNEL, (message) => {
      try {
        this.#relay(JSON.parse(message) as TypingEvent);
      } catch (error) {
        this.#options.onError(error, 'typing message');
      }
    });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    for (const timer of this.#expiries.values()) clearTimeout(timer);
    this.#expiries.clear();
  }

  /** Announces a device's typing state to every node. */
  async publish(event: TypingEvent): Promise<void> {
    await this.#options.cache.publish(CHANNEL, JSON.stringify({ conversationId: event.conversationId, accountId: event.accountId, deviceId: event.deviceId, active: event.active }));
  }

  #relay(event: TypingEvent): void {
    const key = `${event.conversationId}/${event.deviceId}`;
    const previous = this.#expiries.get(key);
    if (previous) clearTimeout(previous);
    this.#expiries.delete(key);
    if (event.active) {
      const timer = setTimeout(() => {
        this.#expiries.delete(key);
        this.#options.deliverLocal({ ...event, active: false });
      }, this.#options.ttlMs);
      timer.unref();
      this.#expiries.set(key, timer);
    } else if (!previous) {
      // Already expired here (or never seen): the recipients were told already.
      return;
    }
    this.#options.deliverLocal(event);
  }
}
