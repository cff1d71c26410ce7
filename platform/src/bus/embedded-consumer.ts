/**
 * One member of a consumer group on the embedded bus. Its loop claims up to `batchSize`
 * visible deliveries, hands them to the handler as one batch, then writes the batch's
 * settlements in one statement per kind (its acks with every other group's of the same
 * turn: acked-deliveries.ts). On a shared database a claim is one
 * UPDATE … RETURNING (SKIP LOCKED where the database has it); on one this process owns,
 * a read, with the claims kept in memory (in-flight-claims.ts). When nothing is left it
 * sleeps until a local publish wakes it or its group's next deadline (ack timeout, nak
 * delay) comes due.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { DeadLetterDraft } from './bus-store.ts';
import type { ResolvedConsumeOptions } from './consume-options.ts';
import { DeliveryBatch, type Outcome } from './deliveries.ts';
import { compareIds, fromEventRow } from './events.ts';
import type { ClaimedRow, InFlightClaims } from './in-flight-claims.ts';
import type { BusEvent, Consumer } from './interface.ts';
import type { LocalSignals } from './local-signals.ts';
import type { BusTables } from './migrations.ts';

export interface EmbeddedConsumerContext {
  readonly db: Kysely<BusTables>;
  readonly signals: LocalSignals;
  readonly skipLocked: boolean;
  /** Set when this process alone writes the queue: claims are then kept here instead of in SQL. */
  readonly claims: InFlightClaims | null;
  /** Longest idle sleep: picks up deliveries made by other processes, which cannot wake us. */
  readonly pollIntervalMs: number;
  readonly onError: (error: unknown) => void;
  /** Stores dead letters and deletes their deliveries in one transaction. */
  deadLetter(group: string, drafts: readonly DeadLetterDraft[]): Promise<void>;
  /** Deletes acked deliveries, with the other groups' of this turn (acked-deliveries.ts). */
  deleteAcked(group: string, eventIds: readonly string[]): Promise<void>;
  /** These events' deliveries for one group are gone (acked or dead-lettered, committed): the events may now be prunable. */
  settled(eventIds: readonly string[]): void;
}

interface Claimed {
  readonly event: BusEvent;
  readonly attempt: number;
  readonly lastError: string | null;
}

/**
 * With claims in memory, a delivery still unsettled this long after its claim gets its
 * attempt written: a job that crashes the process midway then still counts toward
 * maxDeliver, while handlers that settle sooner (nearly all) cost no write for it.
 */
const RECORD_ATTEMPT_AFTER_MS = 1000;

export class EmbeddedConsumer implements Consumer {
  readonly group: string;
  /** Its node's own events are not handed to it (`skipOwnEvents`). */
  readonly skipsOwnEvents: boolean;
  readonly #ctx: EmbeddedConsumerContext;
  readonly #options: ResolvedConsumeOptions;
  #stopping = false;
  #wakeRequested = false;
  #wakeUp: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #unsubscribe: () => void = () => {};
  // Settlements waiting to be written; late ones (after the handler returned) flush on their own.
  #acks: string[] = [];
  #naks: { id: string; attempt: number; delayMs: number; error: string }[] = [];
  #dead: DeadLetterDraft[] = [];
  #inHandler = false;
  #flushing: Promise<void> = Promise.resolve();

  constructor(ctx: EmbeddedConsumerContext, options: ResolvedConsumeOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.group = options.group;
    this.skipsOwnEvents = options.skipOwnEvents;
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

  /**
   * Wakes the loop a macrotask later, not in the publisher's own microtask chain. A publish
   * inside a transaction (`writeOutbox`) wakes us before its commit, so woken at once we
   * would claim, handle and settle right after that commit, ahead of the publisher's own
   * continuation: a chat send's deliveries were written, and its sockets uncorked (on
   * nextTick, once the microtasks drain), only after both chat consumers' SQL. Measured on
   * an idle chat server (50 msgs/s, 6 alternated rounds): send → deliver p50 3.4–4.2 →
   * 2.6–3.2 ms, p99 (median of rounds) 11.6 → 7.2 ms.
   */
  #wake(): void {
    this.#wakeRequested = true;
    const wakeUp = this.#wakeUp;
    this.#wakeUp = null;
    if (wakeUp) setImmediate(wakeUp);
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
    const { ackTimeoutMs, maxDeliver } = this.#options;
    const rows = this.#ctx.claims ? await this.#claimInMemory(this.#ctx.claims) : await this.#claimInSql();
    if (rows.length === 0) return 0;

    const events = await this.#events(rows.map((r) => r.eventId));
    const live: Claimed[] = [];
    for (const row of rows) {
      const event = events.get(row.eventId);
      // An event row gone missing cannot be delivered; drop the delivery with it.
      if (!event) this.#acks.push(row.eventId);
      else live.push({ event, attempt: row.attempt, lastError: row.lastError });
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
      const recordAttempts = this.#ctx.claims ? setTimeout(() => this.#recordAttempts(batch.unsettled()), RECORD_ATTEMPT_AFTER_MS) : undefined;
      recordAttempts?.unref();
      this.#inHandler = true;
      try {
        await batch.run(this.#options.handler, this.#options.retryDelayMs);
      } finally {
        this.#inHandler = false;
        clearTimeout(recordAttempts);
      }
    }
    await this.#flush();
    return rows.length;
  }

  async #claimInSql(): Promise<ClaimedRow[]> {
    const { db, skipLocked } = this.#ctx;
    const { batchSize, ackTimeoutMs } = this.#options;
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
    return rows.map((r) => ({ eventId: String(r.event_id), attempt: Number(r.attempts), lastError: r.last_error }));
  }

  /** Reads the due rows (held ones included, since their stored rows are unchanged) and keeps the claims in memory. */
  #claimInMemory(claims: InFlightClaims): Promise<ClaimedRow[]> {
    const { batchSize, ackTimeoutMs } = this.#options;
    return claims.claim(this.group, batchSize, ackTimeoutMs, () =>
      this.#ctx.db
        .selectFrom('bus_delivery')
        .select(['event_id', 'attempts', 'last_error'])
        .where('group_name', '=', this.group)
        .where('visible_at', '<=', Date.now())
        .orderBy('visible_at')
        .orderBy('event_id')
        .limit(batchSize + claims.heldCount(this.group))
        .execute(),
    );
  }

  async #events(ids: string[]): Promise<Map<string, BusEvent>> {
    const found = new Map<string, BusEvent>();
    const missing: string[] = [];
    for (const id of ids) {
      const row = this.#ctx.signals.recentEvents.take(id);
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
    } else this.#naks.push({ id, attempt: claimed.attempt, delayMs: outcome.delayMs, error: outcome.error });
    if (!this.#inHandler) queueMicrotask(() => void this.#flush().catch(this.#ctx.onError));
  }

  /**
   * Pushes the delivery's visibility deadline one ack timeout from now: in memory, or in
   * SQL queued behind the settlement writes, so it never lands after (and undoes) the same
   * delivery's nak. The attempt guard keeps it off a delivery that already timed out and
   * was claimed again.
   */
  #extend(claimed: Claimed): void {
    const { db, claims } = this.#ctx;
    const deadline = Date.now() + this.#options.ackTimeoutMs;
    if (claims) return claims.extend(this.group, claimed.event.id, claimed.attempt, deadline);
    this.#serially(async () => {
      await db
        .updateTable('bus_delivery')
        .set({ visible_at: deadline })
        .where('group_name', '=', this.group)
        .where('event_id', '=', claimed.event.id)
        .where('attempts', '=', claimed.attempt)
        .execute();
    });
  }

  /** Stores the attempt of held deliveries whose handler is taking long (see RECORD_ATTEMPT_AFTER_MS). */
  #recordAttempts(unsettled: readonly Claimed[]): void {
    if (unsettled.length === 0) return;
    this.#serially(async () => {
      for (const [attempt, ids] of groupBy(unsettled, (c) => c.attempt, (c) => c.event.id)) {
        await this.#ctx.db
          .updateTable('bus_delivery')
          .set({ attempts: attempt })
          .where('group_name', '=', this.group)
          .where('event_id', 'in', ids)
          .where('attempts', '<', attempt)
          .execute();
      }
    });
  }

  #serially(write: () => Promise<void>): void {
    this.#flushing = this.#flushing.catch(() => undefined).then(write);
    this.#flushing.catch(this.#ctx.onError);
  }

  /** Writes every buffered settlement; calls are serialised so none is lost or doubled. */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.catch(() => undefined).then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const { db, claims } = this.#ctx;
    const acks = this.#acks;
    const naks = this.#naks;
    const dead = this.#dead;
    if (acks.length + naks.length + dead.length === 0) return;
    this.#acks = [];
    this.#naks = [];
    this.#dead = [];
    if (acks.length > 0) {
      await this.#ctx.deleteAcked(this.group, acks);
      await claims?.release(this.group, acks);
      this.#ctx.settled(acks);
    }
    // One UPDATE per distinct (delay, reason), and per attempt where claims are in memory,
    // since the attempt is stored here then (in SQL the claim stored it already): usually one.
    const now = Date.now();
    for (const [, group] of groupBy(naks, (n) => `${n.delayMs}\u0000${claims ? n.attempt : ''}\u0000${n.error}`, (n) => n)) {
      const { delayMs, attempt, error } = group[0]!;
      const ids = group.map((n) => n.id);
      await db
        .updateTable('bus_delivery')
        .set({ visible_at: now + delayMs, last_error: error.slice(0, 4000), ...(claims ? { attempts: attempt } : {}) })
        .where('group_name', '=', this.group)
        .where('event_id', 'in', ids)
        .execute();
      if (claims) {
        if (delayMs > 0) claims.delayed(this.group, now + delayMs);
        await claims.release(this.group, ids);
      }
      if (delayMs === 0) this.#wakeRequested = true;
    }
    if (dead.length > 0) {
      const ids = dead.map((d) => d.event.id);
      await this.#ctx.deadLetter(this.group, dead);
      await claims?.release(this.group, ids);
      this.#ctx.settled(ids);
    }
  }

  /** Sleeps until woken or until the group's earliest visibility deadline, at most the poll interval. */
  async #idle(): Promise<void> {
    const next = this.#ctx.claims ? await this.#nextDueInMemory(this.#ctx.claims) : await this.#earliestVisible();
    if (this.#wakeRequested || this.#stopping) return;
    const wait = next === null ? this.#ctx.pollIntervalMs : Math.min(this.#ctx.pollIntervalMs, Math.max(1, next - Date.now() + 1));
    await this.#sleep(wait);
  }

  /** The group's earliest stored `visible_at` (later than `after`, if given); null when none. */
  async #earliestVisible(after?: number): Promise<number | null> {
    let query = this.#ctx.db
      .selectFrom('bus_delivery')
      .select((eb) => eb.fn.min('visible_at').as('next'))
      .where('group_name', '=', this.group);
    if (after !== undefined) query = query.where('visible_at', '>', after);
    const row = await query.executeTakeFirst();
    return row?.next == null ? null : Number(row.next);
  }

  /**
   * The earlier of the held deliveries' deadlines and the stored delayed ones (naks with a
   * delay, which are read from SQL only when not known: at start, or once the earliest passed).
   */
  async #nextDueInMemory(claims: InFlightClaims): Promise<number | null> {
    let delayed = claims.delayedUntil(this.group);
    const now = Date.now();
    if (delayed === undefined || delayed <= now) {
      const changes = claims.delayChanges(this.group);
      delayed = (await this.#earliestVisible(now)) ?? Infinity;
      // A nak with a delay landed meanwhile, perhaps after the read: look again soon.
      if (claims.delayChanges(this.group) !== changes) return now;
      claims.setDelayedUntil(this.group, delayed);
    }
    const next = Math.min(delayed, claims.earliestDeadline(this.group));
    return next === Infinity ? null : next;
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

/** `items` grouped by `key`, each group's values in order. */
function groupBy<T, K, V>(items: readonly T[], key: (item: T) => K, value: (item: T) => V): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(value(item));
    else groups.set(k, [value(item)]);
  }
  return groups;
}
