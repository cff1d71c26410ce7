/**
 * Member lists of conversations, kept in memory because fan-out asks for them on every
 * message. A membership change drops the entry on this node at once and on every other
 * node through a cache pub/sub message; the TTL bounds staleness should such a message be
 * lost (pub/sub is at-most-once). Authorisation never relies on this cache: appends, reads
 * and acks check membership in SQL inside their own queries.
 */
import type { AccountId } from '@twin/chat-protocol';
import type { Cache, Unsubscribe } from '@twin/platform/cache';

const CHANNEL = 'chat:roster-changed';
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

export class RosterCache {
  readonly #load: (conversationId: string) => Promise<AccountId[]>;
  readonly #cache: Cache;
  readonly #entries = new Map<string, { members: Promise<readonly AccountId[]>; until: number; generation: number }>();
  #generation = 0;
  #unsubscribe: Unsubscribe | undefined;

  constructor(cache: Cache, load: (conversationId: string) => Promise<AccountId[]>) {
    this.#cache = cache;
    this.#load = load;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#cache.subscribe(CHANNEL, (conversationId) => this.#drop(conversationId));
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
  }

  get(conversationId: string): Promise<readonly AccountId[]> {
    const now = Date.now();
    const entry = this.#entries.get(conversationId);
    if (entry && entry.until > now) return entry.members;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    const generation = ++this.#generation;
    const members = this.#load(conversationId);
    this.#entries.set(conversationId, { members, until: now + TTL_MS, generation });
    // A failed load is not cached.
    members.catch(() => {
      if (this.#entries.get(conversationId)?.generation === generation) this.#entries.delete(conversationId);
    });
    return members;
  }

  /** After a membership change commits: forget here and tell the other nodes. */
  async invalidate(conversationId: string): Promise<void> {
    this.#drop(conversationId);
    await this.#cache.publish(CHANNEL, conversationId);
  }

  #drop(conversationId: string): void {
    this.#entries.delete(conversationId);
  }
}
