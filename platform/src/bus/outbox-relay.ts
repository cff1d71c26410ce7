/**
 * Publishes outbox rows to the bus and marks them sent. Rows are claimed oldest first in
 * batches; on PostgreSQL a claim is `FOR UPDATE SKIP LOCKED` held until the rows are
 * marked, so relays on several nodes never publish the same row in the normal course.
 * A crash between publish and mark re-publishes the batch with the same event ids,
 * which the embedded bus ignores while still queued, NATS drops inside its duplicate
 * window, and consumers dedupe in any case.
 *
 * Latency: `notify()` after a commit runs the relay at once; a local `writeOutbox` also
 * hints it (which on SQLite runs right after the commit, as the writer holds the only
 * connection until then, and elsewhere is followed by a few quick re-checks). A slow
 * poll is only the safety net for rows written by other processes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { SqlEngine } from '../sql/index.ts';
import { fromEventRow } from './events.ts';
import type { Bus, BusCapabilities } from './interface.ts';
import { localSignals, type LocalSignals } from './local-signals.ts';
import type { BusTables } from './migrations.ts';

export interface OutboxRelayOptions {
  /** The database holding the `outbox` table. */
  sql: SqlEngine;
  /** Where the rows are published. A bus with `transactionalPublish` leaves no rows but those written before it had it, so only the poll looks for them. */
  bus: Pick<Bus, 'publish'> & { readonly capabilities?: Pick<BusCapabilities, 'transactionalPublish'> };
  /** Rows per claim and per publish call. Default 500. */
  batchSize?: number;
  /** Safety-net poll for rows nobody notified about. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Sent rows are deleted after this long. Default 1 hour. */
  retentionMs?: number;
  /** Receives failures (publish or SQL), which are retried. Default: console.error. */
  onError?: (error: unknown) => void;
}

// After a hint finds nothing (the writer has not committed yet), look again this much later.
const HINT_RECHECK_MS = [1, 5, 25, 100];

export class OutboxRelay {
  readonly #sql: SqlEngine;
  readonly #db: Kysely<BusTables>;
  readonly #bus: OutboxRelayOptions['bus'];
  readonly #signals: LocalSignals;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #retentionMs: number;
  readonly #onError: (error: unknown) => void;
  #started = false;
  #requested = false;
  #running: Promise<void> | null = null;
  #hintRechecks = 0;
  #timers = new Set<NodeJS.Timeout>();
  #unsubscribe: () => void = () => {};
  #lastPrune = 0;

  constructor(options: OutboxRelayOptions) {
    this.#sql = options.sql;
    this.#db = options.sql.db as Kysely<BusTables>;
    this.#bus = options.bus;
    this.#signals = localSignals(options.sql);
    this.#batchSize = options.batchSize ?? 500;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#retentionMs = options.retentionMs ?? 3600_000;
    this.#onError = options.onError ?? ((error) => console.error('outbox relay:', error));
  }

  /** Starts relaying (rows left from before a restart first). Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.#signals.onOutboxWritten(() => {
      this.#hintRechecks = HINT_RECHECK_MS.length;
      this.notify();
    });
    const poll = setInterval(() => this.#run(), this.#pollIntervalMs);
    poll.unref();
    this.#timers.add(poll);
    this.#run();
  }

  /** Publishes pending rows now; call after committing a transaction that wrote outbox rows. */
  notify(): void {
    if (!this.#bus.capabilities?.transactionalPublish) this.#run();
  }

  #run(): void {
    if (!this.#started) return;
    this.#requested = true;
    this.#running ??= this.#pump();
  }

  /** Stops relaying and waits for the batch in flight. Unsent rows stay for the next start. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#unsubscribe();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#running;
  }

  /** Publishes until no unsent row is left; returns how many were published. For shutdown and tests. */
  async flush(): Promise<number> {
    let total = 0;
    for (let n = -1; n !== 0; total += n) n = await this.#relayBatch();
    return total;
  }

  /** Deletes rows sent longer ago than the retention; returns how many. */
  async pruneSent(): Promise<number> {
    const result = await this.#db.deleteFrom('outbox').where('sent_at', '<', Date.now() - this.#retentionMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #pump(): Promise<void> {
    try {
      while (this.#requested && this.#started) {
        this.#requested = false;
        let published = 0;
        for (let n = this.#batchSize; n === this.#batchSize && this.#started; published += n) {
          n = await this.#relayBatch();
          // Let I/O in between batches: on SQLite a batch completes on microtasks alone.
          await nextTurn();
        }
        if (published > 0) this.#hintRechecks = 0;
        else if (this.#hintRechecks > 0) this.#later(HINT_RECHECK_MS[HINT_RECHECK_MS.length - this.#hintRechecks--]!);
        if (Date.now() - this.#lastPrune > Math.min(60_000, this.#retentionMs)) {
          this.#lastPrune = Date.now();
          await this.pruneSent();
        }
      }
    } catch (error) {
      this.#onError(error);
      this.#later(Math.min(this.#pollIntervalMs, 500));
    } finally {
      this.#running = null;
    }
  }

  #later(ms: number): void {
    if (!this.#started) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#run();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Claims, publishes and marks one batch; returns its size. */
  #relayBatch(): Promise<number> {
    // SKIP LOCKED: hold the claimed rows' locks until they are marked sent, in one transaction.
    if (this.#sql.capabilities.supportsSkipLocked) return this.#db.transaction().execute((trx) => this.#relayWith(trx, true));
    // Otherwise one process owns the database: relays sharing it take turns. No
    // transaction, since an embedded bus on the same single connection must publish.
    return this.#signals.exclusive(() => this.#relayWith(this.#db, false));
  }

  async #relayWith(db: Kysely<BusTables>, skipLocked: boolean): Promise<number> {
    let claim = db.selectFrom('outbox').selectAll().where('sent_at', 'is', null).orderBy('id').limit(this.#batchSize);
    if (skipLocked) claim = claim.forUpdate().skipLocked();
    const rows = await claim.execute();
    if (rows.length === 0) return 0;
    await this.#bus.publish(rows.map((r) => fromEventRow({ ...r, published_at: r.created_at })));
    await db
      .updateTable('outbox')
      .set({ sent_at: Date.now() })
      .where(
        'id',
        'in',
        rows.map((r) => String(r.id)),
      )
      .execute();
    return rows.length;
  }
}
