/**
 * Where the chat core's events go. A service writes them in its transaction (`write`), on
 * the platform's outbox, for the other nodes and the push worker; once that transaction
 * has committed it calls `committed` with the same events, which tells the outbox relay
 * and hands them at once to this node's listeners (`ChatCore.onCommittedEvents`: the
 * gateway). The gateway's bus member skips this node's own events (`skipOwnEvents`), so
 * each event reaches this node's sockets once. Before, a node's gateway claimed, parsed
 * and acked every event its node had just written (on one node, every event) only to
 * drop nearly all of it as already delivered by the send path.
 */
import type { Bus } from '@twin/platform/bus';
import type { Kysely } from 'kysely';
import type { ChatEvent } from './core.ts';

export type CommittedEventsListener = (events: readonly ChatEvent[]) => void;

export interface ChatOutboxDeps {
  bus: Bus;
  /** Wakes the outbox relay (where the bus has one). */
  notifyRelay: () => void;
  /** A listener that throws: the write it reports has committed, so its caller must not fail. */
  onError: (error: unknown) => void;
}

export class ChatOutbox {
  readonly #deps: ChatOutboxDeps;
  readonly #listeners = new Set<CommittedEventsListener>();

  constructor(deps: ChatOutboxDeps) {
    this.#deps = deps;
  }

  /** Queues `events` in the caller's transaction; pass them to `committed` once it has committed. */
  async write(trx: Kysely<any>, events: readonly ChatEvent[]): Promise<void> {
    if (events.length > 0) await this.#deps.bus.writeOutbox(trx, events);
  }

  /** The transaction that wrote `events` committed. Listeners must treat them as read-only: each gets the same objects. */
  committed(events: readonly ChatEvent[]): void {
    if (events.length === 0) return;
    this.#deps.notifyRelay();
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch (error) {
        this.#deps.onError(error);
      }
    }
  }

  /** Calls `listener` with the events of every transaction of this node's core once it commits; returns the unsubscribe. */
  onCommitted(listener: CommittedEventsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
