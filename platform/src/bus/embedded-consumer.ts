/**
 * One member of a consumer group on the embedded bus. Its loop claims up to `batchSize`
 * visible deliveries in one UPDATE … RETURNING (SKIP LOCKED where the database has it),
 * hands them to the handler as one batch, then writes the batch's settlements in one
 * statement per kind. When nothing is left it sleeps until a local publish wakes it or
 * the earliest visibility deadline of its group (ack timeout, nak delay) comes due.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { DeadLetterDraft } from './bus-store.ts';
import type { ResolvedConsumeOptions } from './consume-options.ts';
import { DeliveryBatch, type Outcome } from './deliveries.ts';
import { compareIds, fromEventRow } from './events.ts';
import type { BusEvent, Consumer } from './interface.ts';
import type { LocalSignals } from './local-signals.ts';
import type { BusTables } from './migrations.ts';

export interface EmbeddedConsumerContext {
  readonly db: Kysely<BusTables>;
  readonly signals: LocalSignals;
  readonly skipLocked: boolean;
  /** Longest idle sleep: picks up deliveries made by other processes, which cannot wake us. */
  readonly pollIntervalMs: number;
  readonly onError: (error: unknown) => void;
  /** Stores dead letters and deletes their deliveries in one transaction. */
  deadLetter(group: string, drafts: readonly DeadLetterDraft[]): Promise<void>;
  /** Some deliveries were acked: their events may now be prunable. */
  acked(): void;
}

interface Claimed {
  readonly event: BusEvent;
  readonly attempt: number;
  readonly lastError: string | null;
}

export class EmbeddedConsumer implements Consumer {
  readonly group: string;
  readonly #ctx: EmbeddedConsumerContext;
  readonly #options: ResolvedConsumeOptions;
  #stopping = false;
  #wakeRequested = false;
  #wakeUp: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #unsubscribe: () => void = () => {};
  // Settlements waiting to be written; late ones (after the handler returned) flush on their own.
  #acks: string[] = [];
  #naks: { id: string; delayMs: number; error: string }[] = [];
  #dead: DeadLetterDraft[] = [];
  #inHandler = false;
  #flushing: Promise<void> = Promise.resolve();

  constructor(ctx: EmbeddedConsumerContext, options: ResolvedConsumeOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.group = options.group;
  }

  start(): void {
    this.#unsubscribe = this.#ctx.signals.onGroupWake(this.group, () => this.#wake());
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#unsubscribe();
      this.#wake();
    }
    await this.#loop;
    await this.#flush().catch(this.#ctx.onError);
  }

  #wake(): void {
    this.#wakeRequested = true;
    const wakeUp = this.#wakeUp;
    this.#wakeUp = null;
    wakeUp?.();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        this.#wakeRequested = false;
        const claimed = await this.#claim();
        if (claimed > 0) failures = 0;
        if (claimed === this.#options.batchSize || this.#wakeRequested) {
          // SQLite answers synchronously, so without this the loop would run on microtasks
          // alone for as long as publishes keep coming, and no socket would be read meanwhile.
          await nextTurn();
          continue;
        }
        await this.#idle();
        failures = 0;
      } catch (error) {
        this.#ctx.onError(error);
        failures++;
        await this.#sleep(Math.min(5000, 25 * 2 ** failures));
      }
    }
  }

  /** Claims, handles and settles one batch; returns how many deliveries were claimed. */
  async #claim(): Promise<number> {
    const { db, skipLocked } = this.#ctx;
    const { batchSize, ackTimeoutMs, maxDeliver } = this.#options;
    const now = Date.now();
    // A MATERIALIZED CTE runs the pick once: as an IN subquery, PostgreSQL may rescan it
    // (nested loop), and each rescan under SKIP LOCKED can pick other rows, so one claim
    // could take more than a batch and starve the group's other members.
    const rows = await db
      .with(
        (cte) => cte('due').materialized(),
        (qc) => {
          const due = qc
            .selectFrom('bus_delivery')
            .select('event_id')
            .where('group_name', '=', this.group)
            .where('visible_at', '<=', now)
            .orderBy('visible_at')
            .orderBy('event_id')
            .limit(batchSize);
          return skipLocked ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('bus_delivery')
      .set((eb) => ({ visible_at: now + ackTimeoutMs, attempts: eb('attempts', '+', 1) }))
      .where('group_name', '=', this.group)
      .where('event_id', 'in', (eb) => eb.selectFrom('due').select('due.event_id'))
      .returning(['bus_delivery.event_id', 'bus_delivery.attempts', 'bus_delivery.last_error'])
      .execute();
    if (rows.length === 0) return 0;

    const events = await this.#events(rows.map((r) => String(r.event_id)));
    const live: Claimed[] = [];
    for (const row of rows) {
      const id = String(row.event_id);
      const event = events.get(id);
      // An event row gone missing cannot be delivered; drop the delivery with it.
      if (!event) this.#acks.push(id);
      else live.push({ event, attempt: Number(row.attempts), lastError: row.last_error });
    }
    live.sort((a, b) => compareIds(a.event.id, b.event.id));
    // Claiming counted one more attempt: past maxDeliver means the last one timed out.
    const exhausted = live.filter((c) => c.attempt > maxDeliver);
    for (const c of exhausted) {
      this.#dead.push({ group: this.group, event: c.event, attempts: c.attempt - 1, lastError: c.lastError ?? `not acknowledged within ${ackTimeoutMs} ms` });
    }
    const deliverable = exhausted.length === 0 ? live : live.filter((c) => c.attempt <= maxDeliver);
    if (deliverable.length > 0) {
      const batch = new DeliveryBatch(deliverable, (c, outcome) => this.#settled(c, outcome), (c) => this.#extend(c));
      this.#inHandler = true;
      try {
        await batch.run(this.#options.handler, this.#options.retryDelayMs);
      } finally {
        this.#inHandler = false;
      }
    }
    await this.#flush();
    return rows.length;
  }

  async #events(ids: string[]): Promise<Map<string, BusEvent>> {
    const found = new Map<string, BusEvent>();
    const missing: string[] = [];
    for (const id of ids) {
      const row = this.#ctx.signals.recentEvents.get(id);
      if (row) found.set(id, fromEventRow(row));
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows = await this.#ctx.db.selectFrom('bus_event').selectAll().where('id', 'in', missing).execute();
      for (const row of rows) found.set(String(row.id), fromEventRow(row));
    }
    return found;
  }

  #settled(claimed: Claimed, outcome: Outcome): void {
    const id = claimed.event.id;
    if (outcome.kind === 'ack') this.#acks.push(id);
    else if (claimed.attempt >= this.#options.maxDeliver) {
      this.#dead.push({ group: this.group, event: claimed.event, attempts: claimed.attempt, lastError: outcome.error });
    } else this.#naks.push({ id, delayMs: outcome.delayMs, error: outcome.error });
    if (!this.#inHandler) queueMicrotask(() => void this.#flush().catch(this.#ctx.onError));
  }

  /**
   * Pushes the delivery's visibility deadline one ack timeout from now. Queued behind the
   * settlement writes, so it never lands after (and undoes) the same delivery's nak; the
   * attempt guard keeps it off a delivery that already timed out and was claimed again.
   */
  #extend(claimed: Claimed): void {
    const { db } = this.#ctx;
    this.#flushing = this.#flushing
      .catch(() => undefined)
      .then(async () => {
        await db
          .updateTable('bus_delivery')
          .set({ visible_at: Date.now() + this.#options.ackTimeoutMs })
          .where('group_name', '=', this.group)
          .where('event_id', '=', claimed.event.id)
          .where('attempts', '=', claimed.attempt)
          .execute();
      });
    this.#flushing.catch(this.#ctx.onError);
  }

  /** Writes every buffered settlement; calls are serialised so none is lost or doubled. */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.catch(() => undefined).then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const { db } = this.#ctx;
    const acks = this.#acks;
    const naks = this.#naks;
    const dead = this.#dead;
    if (acks.length + naks.length + dead.length === 0) return;
    this.#acks = [];
    this.#naks = [];
    this.#dead = [];
    if (acks.length > 0) {
      await db.deleteFrom('bus_delivery').where('group_name', '=', this.group).where('event_id', 'in', acks).execute();
      this.#ctx.acked();
    }
    // One UPDATE per distinct (delay, reason): usually exactly one.
    const byKind = new Map<string, { delayMs: number; error: string; ids: string[] }>();
    for (const nak of naks) {
      const key = `${nak.delayMs}\u0000${nak.error}`;
      const entry = byKind.get(key) ?? { delayMs: nak.delayMs, error: nak.error, ids: [] };
      entry.ids.push(nak.id);
      byKind.set(key, entry);
    }
    const now = Date.now();
    for (const { delayMs, error, ids } of byKind.values()) {
      await db
        .updateTable('bus_delivery')
        .set({ visible_at: now + delayMs, last_error: error.slice(0, 4000) })
        .where('group_name', '=', this.group)
        .where('event_id', 'in', ids)
        .execute();
      if (delayMs === 0) this.#wakeRequested = true;
    }
    if (dead.length > 0) {
      await this.#ctx.deadLetter(this.group, dead);
      this.#ctx.acked();
    }
  }

  /** Sleeps until woken or until the group's earliest visibility deadline, at most the poll interval. */
  async #idle(): Promise<void> {
    const row = await this.#ctx.db
      .selectFrom('bus_delivery')
      .select((eb) => eb.fn.min('visible_at').as('next'))
      .where('group_name', '=', this.group)
      .executeTakeFirst();
    if (this.#wakeRequested || this.#stopping) return;
    const next = row?.next == null ? null : Number(row.next);
    const wait = next === null ? this.#ctx.pollIntervalMs : Math.min(this.#ctx.pollIntervalMs, Math.max(1, next - Date.now() + 1));
    await this.#sleep(wait);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeUp = null;
        resolve();
      }, ms);
      // Redelivery timers must not keep a finished process alive.
      timer.unref();
      this.#wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
