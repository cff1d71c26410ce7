/**
 * Deletes the deliveries that members of this process acked, for every group at once: one
 * DELETE per event-loop turn. A publish wakes each group's member in the same turn (a chat
 * server's gateway and push groups both take every message), and each used to delete its
 * settled batch alone: on SQLite a write transaction of its own per group, with its commit,
 * on the one connection that sends also wait for. A member waits for the turn's DELETE
 * before it releases its claims, so an ack is never lost: until the row is gone, the
 * delivery stays held by the claim.
 */
import type { Kysely } from 'kysely';
import { pairIn } from '../sql/pairs.ts';
import { chunks } from './events.ts';
import type { BusTables } from './migrations.ts';

/** Deliveries per statement: two parameters each, far below both engines' limits. */
const ROWS_PER_DELETE = 512;

export class AckedDeliveries {
  readonly #db: Kysely<BusTables>;
  #pending: Array<readonly [group: string, eventId: string]> = [];
  #turn: Promise<void> | undefined;

  constructor(db: Kysely<BusTables>) {
    this.#db = db;
  }

  /** Deletes `group`'s deliveries of `eventIds` with the others acked this turn; resolves once they are gone. */
  delete(group: string, eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) this.#pending.push([group, id]);
    this.#turn ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.#deleteTurn());
    return this.#turn;
  }

  async #deleteTurn(): Promise<void> {
    const rows = this.#pending;
    this.#pending = [];
    this.#turn = undefined;
    for (const slice of chunks(rows, ROWS_PER_DELETE)) {
      await this.#db.deleteFrom('bus_delivery').where(pairIn(['group_name', 'text'], ['event_id', 'bigint'], slice)).execute();
    }
  }
}
