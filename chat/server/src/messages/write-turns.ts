/**
 * One write transaction per event-loop turn for the chat core's hot writes: each kind of
 * write (appends, acks) is a lane with its own batch writer, and the lanes submitted to in
 * a turn commit together, announcing what they wrote with one outbox write. Under load a
 * turn holds sends from some sockets and acks from others; as two transactions it paid
 * two commits (a WAL append here, a log flush on PostgreSQL) and put two events on the bus
 * for every consumer to claim and ack. Those costs are fixed per turn, not per message,
 * so they weigh most at moderate load, where batches are small: that is where the latency
 * targets are measured.
 *
 * Each item still settles alone: a lane reports an item's failure (not a member, unknown
 * conversation…) as its result. A lane that throws fails the turn, every lane's items
 * with it. A retryable failure (a unique violation: a resend the append lane did not look
 * up, or one another node stored first) runs the whole turn again, so every lane's writer
 * must be safe to run twice (their reads see the rolled-back state again).
 */
import type { Kysely } from 'kysely';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent } from '../core.ts';
import { GroupCommit } from './group-commit.ts';

/** Writes one lane's share of a turn inside its transaction; `attempt` counts from 1 (above it, the turn is running again). */
export type LaneWriter<I, R> = (trx: Kysely<any>, items: readonly I[], attempt: number) => Promise<{ results: PromiseSettledResult<R>[]; events: ChatEvent[] }>;

/** Submits one item to its lane; `gathered`: the caller gathered a turn's work itself, so start at once. */
export type LaneSubmit<I, R> = (item: I, options?: { gathered?: boolean }) => Promise<R>;

export interface WriteTurnsDeps {
  db: Kysely<any>;
  outbox: ChatOutbox;
  /** A failure worth running the turn again for (a unique violation from a resend). */
  isRetryable: (error: unknown) => boolean;
}

interface Entry {
  readonly lane: number;
  readonly item: unknown;
}

/** Attempts of one turn whose resends the unique index caught (see MessageLog). */
const MAX_ATTEMPTS = 4;

export class WriteTurns {
  readonly #deps: WriteTurnsDeps;
  readonly #lanes: Array<LaneWriter<any, any>> = [];
  readonly #commit: GroupCommit<Entry, unknown>;

  constructor(deps: WriteTurnsDeps) {
    this.#deps = deps;
    this.#commit = new GroupCommit((entries) => this.#flush(entries));
  }

  /** A new lane, written in each turn after the lanes opened before it. */
  lane<I, R>(write: LaneWriter<I, R>): LaneSubmit<I, R> {
    const lane = this.#lanes.push(write) - 1;
    return (item, options) => this.#commit.submit({ lane, item }, options) as Promise<R>;
  }

  /** Resolves once everything submitted so far has settled. */
  drain(): Promise<void> {
    return this.#commit.drain();
  }

  async #flush(entries: readonly Entry[]): Promise<PromiseSettledResult<unknown>[]> {
    const byLane: number[][] = this.#lanes.map(() => []);
    entries.forEach((entry, index) => byLane[entry.lane]!.push(index));
    for (let attempt = 1; ; attempt++) {
      try {
        const { results, events } = await this.#deps.db.transaction().execute(async (trx) => {
          const results: PromiseSettledResult<unknown>[] = new Array(entries.length);
          const events: ChatEvent[] = [];
          for (const [lane, indexes] of byLane.entries()) {
            if (indexes.length === 0) continue;
            const written = await this.#lanes[lane]!(trx, indexes.map((index) => entries[index]!.item), attempt);
            indexes.forEach((index, i) => (results[index] = written.results[i] ?? { status: 'rejected', reason: new Error('write turn: no result for an item') }));
            events.push(...written.events);
          }
          await this.#deps.outbox.write(trx, events);
          return { results, events };
        });
        // Before the items settle: this node's sockets get the messages while their senders still wait for their results.
        this.#deps.outbox.committed(events);
        return results;
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && this.#deps.isRetryable(error)) continue;
        throw error;
      }
    }
  }
}
