/**
 * The embedded bus: durable queues in SQL tables, for one node (SQLite or PostgreSQL).
 * A publish stores the events that some registered group wants and one delivery row per
 * (group, event), in one transaction of multi-row INSERTs, then wakes this process's
 * members of those groups. On SQLite, which one process owns, `writeOutbox` does the same
 * inside the caller's transaction (the outbox and its relay are a hop it does not need),
 * and claims are kept in memory rather than written (in-flight-claims.ts).
 * Groups are registered in SQL, so what is published while no member runs waits for the
 * next one, across restarts. Events are pruned once every group has acked them.
 */
import { sql as rawSql, type Kysely } from 'kysely';
import { snowflakeNode } from '../ids/index.ts';
import type { SqlEngine } from '../sql/index.ts';
import { RowInserter } from '../sql/row-inserter.ts';
import { AckedDeliveries } from './acked-deliveries.ts';
import type { DeadLetterDraft } from './bus-store.ts';
import { resolveConsumeOptions, resolveGroupOptions, type ResolvedGroupOptions } from './consume-options.ts';
import { EmbeddedConsumer, type EmbeddedConsumerContext } from './embedded-consumer.ts';
import { chunks, prepareEvents, toEventRow } from './events.ts';
import type { Bus, BusCapabilities, BusEvent, BusStats, ConsumeOptions, Consumer, GroupOptions, NewEvent } from './interface.ts';
import { SqlBackedBus } from './sql-backed-bus.ts';
import type { RegisteredGroup } from './local-signals.ts';
import type { BusTables } from './migrations.ts';
import { compileFilters, type SubjectMatcher } from './subjects.ts';

export interface EmbeddedBusOptions {
  /** Where the queue lives; `busMigrations` must have run on it. */
  sql: SqlEngine;
  /** This process's node id (0..1023): broadcast groups and event ids. */
  nodeId: number;
  /** How long `markProcessed` marks are kept. Default 7 days. */
  processedRetentionMs?: number;
  /** Longest idle sleep of a consumer; only another process's publish needs it. Default 1 s on a shared database, else 30 s. */
  pollIntervalMs?: number;
  /** How often acked events are pruned and old dedupe marks dropped. Default 1000 ms. */
  housekeepingIntervalMs?: number;
  /** Receives background failures (a claim on a dropped connection…), which are retried. Default: console.error. */
  onError?: (error: unknown) => void;
}

/** Rows per INSERT, and ids per IN list. */
const ROWS_PER_INSERT = 500;
const ANALYZE_EVERY_MS = 30_000;

// ON CONFLICT: a relay re-publishing an event still queued must not queue it twice.
const eventRows = new RowInserter<keyof BusTables['bus_event']>('bus_event', ['id', 'type', 'subject', 'payload', 'published_at'], (insert) => insert.onConflict((oc) => oc.doNothing()));
const deliveryRows = new RowInserter<keyof BusTables['bus_delivery']>('bus_delivery', ['group_name', 'event_id', 'visible_at', 'attempts', 'last_error'], (insert) => insert.onConflict((oc) => oc.doNothing()));

export class EmbeddedBus extends SqlBackedBus<EmbeddedConsumer> implements Bus {
  readonly name = 'embedded' as const;
  readonly capabilities: BusCapabilities;
  readonly nodeId: number;
  readonly #sql: SqlEngine;
  readonly #db: Kysely<BusTables>;
  readonly #consumerContext: EmbeddedConsumerContext;
  readonly #matchers = new Map<string, SubjectMatcher>();
  readonly #processedRetentionMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #housekeeping: NodeJS.Timeout;
  /** Events whose deliveries were settled since the last housekeeping round: the only ones that can have become prunable. */
  #settledSincePrune = new Set<string>();
  /** Until the first round: it looks at every stored event (see #pruneEvents). */
  #sweptAll = false;
  #housekeepingRound: Promise<void> | undefined;
  #queuedSinceAnalyze = 0;
  #lastAnalyze = 0;
  #lastProcessedPrune = 0;
  #closed = false;

  constructor(options: EmbeddedBusOptions) {
    super(options.sql, options.nodeId);
    this.nodeId = options.nodeId;
    this.#sql = options.sql;
    this.capabilities = { multiNode: false, transactionalPublish: !options.sql.capabilities.multiNode };
    this.#db = options.sql.db as Kysely<BusTables>;
    this.#processedRetentionMs = options.processedRetentionMs ?? 7 * 24 * 3600_000;
    this.#onError = options.onError ?? ((error) => console.error('embedded bus:', error));
    const ackedDeliveries = new AckedDeliveries(this.#db);
    this.#consumerContext = {
      db: this.#db,
      signals: this.signals,
      skipLocked: options.sql.capabilities.supportsSkipLocked,
      claims: options.sql.capabilities.multiNode ? null : this.signals.claims,
      pollIntervalMs: options.pollIntervalMs ?? (options.sql.capabilities.multiNode ? 1000 : 30_000),
      onError: this.#onError,
      deadLetter: (group, drafts) => this.#deadLetter(group, drafts),
      deleteAcked: (group, eventIds) => ackedDeliveries.delete(group, eventIds),
      settled: (eventIds) => {
        for (const id of eventIds) this.#settledSincePrune.add(id);
      },
    };
    this.#housekeeping = setInterval(() => {
      // A round that outlasts the interval (the first one's sweep, on a large backlog) is not joined by another.
      this.#housekeepingRound ??= this.#houseKeep()
        .catch(this.#onError)
        .finally(() => (this.#housekeepingRound = undefined));
    }, options.housekeepingIntervalMs ?? 1000);
    this.#housekeeping.unref();
  }

  async publish(events: readonly NewEvent[]): Promise<BusEvent[]> {
    this.#assertOpen();
    const prepared = prepareEvents(events, this.ids);
    if (prepared.length === 0) return [];
    // Serialised up front: a payload that is not JSON fails the call before any write.
    const rows = prepared.map(toEventRow);
    const groups = await this.#db.transaction().execute((trx) => this.#enqueue(trx, rows));
    this.signals.wakeGroups(groups);
    return prepared;
  }

  /**
   * With `transactionalPublish` the events skip the outbox and the relay: they are queued
   * in the caller's transaction. The members woken here claim on the engine's one
   * connection, which this transaction holds until it ends, so they find the deliveries
   * once it commits, and nothing if it rolls back.
   */
  override async writeOutbox(trx: Kysely<any>, events: readonly NewEvent[]): Promise<BusEvent[]> {
    if (!this.capabilities.transactionalPublish) return super.writeOutbox(trx, events);
    this.#assertOpen();
    const prepared = prepareEvents(events, this.ids);
    if (prepared.length === 0) return [];
    this.signals.wakeGroups(await this.#enqueue(trx as Kysely<BusTables>, prepared.map(toEventRow)));
    return prepared;
  }

  /** Stores the events some registered group wants and their deliveries; resolves the groups that got any. */
  async #enqueue(db: Kysely<BusTables>, rows: readonly BusTables['bus_event'][]): Promise<Set<string>> {
    const now = Date.now();
    const registered = await this.#registeredGroups(db);
    const matchers = registered.map((g) => ({ name: g.name, matches: this.#matcher(g.subjects) }));
    const stored: BusTables['bus_event'][] = [];
    const remembered: Array<{ row: BusTables['bus_event']; claims: number }> = [];
    const deliveries: BusTables['bus_delivery'][] = [];
    const touched = new Set<string>();
    const skippingOwn = this.#groupsSkippingOwn();
    for (const row of rows) {
      const own = skippingOwn.size > 0 && snowflakeNode(row.id) === this.nodeId;
      let claims = 0;
      for (const { name, matches } of matchers) {
        if (!matches(row.subject) || (own && skippingOwn.has(name))) continue;
        claims++;
        touched.add(name);
        deliveries.push({ group_name: name, event_id: row.id, visible_at: now, attempts: 0, last_error: null });
      }
      // An event no group wants has nobody to wait for: it is not stored at all.
      if (claims === 0) continue;
      stored.push(row);
      remembered.push({ row, claims });
    }
    // Remembered before the commit, so the members woken afterwards need not read them back.
    this.signals.recentEvents.remember(remembered);
    for (const slice of chunks(stored, ROWS_PER_INSERT)) await eventRows.insert(db, slice);
    for (const slice of chunks(deliveries, ROWS_PER_INSERT)) await deliveryRows.insert(db, slice);
    this.#queuedSinceAnalyze += deliveries.length;
    return touched;
  }

  /**
   * The groups a publish queues for. Where this process alone writes the database (SQLite)
   * only its own registrations change them, so they are read once and kept until one does:
   * a statement less in every publishing transaction, on every chat message's path.
   */
  #registeredGroups(db: Kysely<BusTables>): Promise<readonly RegisteredGroup[]> {
    const read = () => db.selectFrom('bus_group').select(['name', 'subjects']).execute();
    return this.#sql.capabilities.multiNode ? read() : this.signals.registeredGroups(read);
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    const resolved = resolveConsumeOptions(options, this.nodeId);
    await this.#register(resolved);
    const consumer = new EmbeddedConsumer(this.#consumerContext, resolved);
    consumer.start();
    return this.track(consumer);
  }

  /** This bus's broadcast groups with a member running that skips this node's own events: those are not queued for them. */
  #groupsSkippingOwn(): Set<string> {
    const groups = new Set<string>();
    for (const consumer of this.consumers) if (consumer.skipsOwnEvents) groups.add(consumer.group);
    return groups;
  }

  async registerGroup(options: GroupOptions): Promise<string> {
    this.#assertOpen();
    const resolved = resolveGroupOptions(options, this.nodeId);
    await this.#register(resolved);
    return resolved.group;
  }

  /** Only the filters are stored: ack timeout and attempts are each member's, read as it claims. */
  async #register(resolved: ResolvedGroupOptions): Promise<void> {
    const subjects = JSON.stringify(resolved.subjects);
    const now = Date.now();
    // Before (no publish from here on keeps what it read) and after (the next one sees the row).
    this.signals.groupsChanged();
    await this.#db
      .insertInto('bus_group')
      .values({ name: resolved.group, subjects, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ subjects, updated_at: now }))
      .execute();
    this.signals.groupsChanged();
  }

  async retryDeadLetter(id: string): Promise<boolean> {
    this.#assertOpen();
    const now = Date.now();
    const letter = await this.#db.transaction().execute(async (trx) => {
      const found = await this.store.takeDeadLetter(trx, id);
      if (!found) return undefined;
      await trx.insertInto('bus_event').values(toEventRow(found.event)).onConflict((oc) => oc.doNothing()).execute();
      await trx
        .insertInto('bus_delivery')
        .values({ group_name: found.group, event_id: found.event.id, visible_at: now, attempts: 0, last_error: null })
        .onConflict((oc) => oc.columns(['group_name', 'event_id']).doUpdateSet({ visible_at: now, attempts: 0, last_error: null }))
        .execute();
      return found;
    });
    if (!letter) return false;
    this.signals.recentEvents.remember([{ row: toEventRow(letter.event), claims: 1 }]);
    this.signals.wakeGroups([letter.group]);
    return true;
  }

  async stats(): Promise<BusStats> {
    const [outboxPending, deadLetters, backlog] = await Promise.all([
      this.store.countOutboxPending(),
      this.store.countDeadLetters(),
      this.#db
        .selectFrom('bus_delivery')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
    ]);
    return { outboxPending, deadLetters, backlog };
  }

  ping(): Promise<void> {
    return this.#sql.ping();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#housekeeping);
    await this.stopConsumers();
    await this.#housekeepingRound; // before the caller closes the engine under it
  }

  async #deadLetter(group: string, drafts: readonly DeadLetterDraft[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await this.store.insertDeadLetters(trx, drafts);
      const ids = drafts.map((d) => d.event.id);
      for (const slice of chunks(ids, ROWS_PER_INSERT)) {
        await trx.deleteFrom('bus_delivery').where('group_name', '=', group).where('event_id', 'in', slice).execute();
      }
    });
  }

  async #houseKeep(): Promise<void> {
    await this.#pruneEvents();
    const now = Date.now();
    // Planner statistics, on PostgreSQL: without them it guesses a handful of rows per group
    // and sorts the whole backlog on every claim instead of reading the due index in order.
    // SQLite reads that index without them, and with them (it is built with STAT4) it plans
    // every claim and ack again at each run, for the values bound (see migrations.ts, 0005).
    if (this.#sql.name === 'postgres' && this.#queuedSinceAnalyze >= 1000 && now - this.#lastAnalyze >= ANALYZE_EVERY_MS) {
      this.#queuedSinceAnalyze = 0;
      this.#lastAnalyze = now;
      await rawSql`analyze bus_delivery`.execute(this.#db);
    }
    if (now - this.#lastProcessedPrune >= Math.min(60_000, this.#processedRetentionMs)) {
      this.#lastProcessedPrune = now;
      await this.store.pruneProcessed(now - this.#processedRetentionMs);
    }
  }

  /**
   * Deletes the stored events no delivery is left for. Publishes insert an event with its
   * deliveries in one transaction, so an event without deliveries is one every group has
   * acked (or dead-lettered). A round looks only at the events settled since the last one,
   * each through the deliveries' event index: it used to scan every stored event, which
   * with a slow group's backlog of 100k unacked events blocked the thread that serves for
   * 23-34 ms each second (190 ms at 1M). The first round still sweeps them all, for the
   * events of settlements a process committed but stopped before pruning. Each round runs
   * after its settlements committed, so on a shared database, where two nodes may settle
   * an event's last two deliveries at once, the later one's round sees both gone.
   */
  async #pruneEvents(): Promise<void> {
    const settled = [...this.#settledSincePrune];
    this.#settledSincePrune.clear();
    const prunable = this.#db
      .deleteFrom('bus_event')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('bus_delivery').select('bus_delivery.event_id').whereRef('bus_delivery.event_id', '=', 'bus_event.id'))));
    try {
      if (this.#sweptAll) {
        for (const slice of chunks(settled, ROWS_PER_INSERT)) await prunable.where('id', 'in', slice).execute();
      } else {
        await prunable.execute();
        this.#sweptAll = true;
      }
    } catch (error) {
      for (const id of settled) this.#settledSincePrune.add(id); // for the next round
      throw error;
    }
  }

  #matcher(subjects: string): SubjectMatcher {
    let found = this.#matchers.get(subjects);
    if (!found) this.#matchers.set(subjects, (found = compileFilters(JSON.parse(subjects) as string[])));
    return found;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('bus is closed');
  }
}
