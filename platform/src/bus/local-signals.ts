/**
 * In-process coordination between the buses and relays that share one SQL engine object:
 * a publish wakes the local members of the groups it filled (no polling), an outbox
 * write hints the relays, relays take turns where the database cannot SKIP LOCKED,
 * recently published events are remembered so a claim rarely re-reads what this process
 * just wrote, and the embedded bus keeps its claims here where this process alone writes
 * the database. Also hands out one id generator per node id, so two buses in one process
 * never mint the same event id.
 */
import { SnowflakeGenerator } from '../ids/index.ts';
import type { SqlEngine } from '../sql/index.ts';
import type { EventRow } from './events.ts';
import { InFlightClaims } from './in-flight-claims.ts';
import { SerialQueue } from './serial-queue.ts';

type Wake = () => void;

/** A consumer group as publishes match events to it. */
export interface RegisteredGroup {
  readonly name: string;
  readonly subjects: string;
}

export class LocalSignals {
  readonly #groups = new Map<string, Set<Wake>>();
  readonly #outboxListeners = new Set<Wake>();
  readonly #relays = new SerialQueue();
  /** Events published from this process until their groups claim them; kept serialised so every delivery parses its own copy. */
  readonly recentEvents = new RecentEvents(8192, 8 * 2 ** 20);
  /** Claims of the embedded bus, used where this process owns the database (SQLite). */
  readonly claims = new InFlightClaims();
  /** The registered groups (`bus_group`), kept where this process owns the database. */
  #registered: readonly RegisteredGroup[] | undefined;
  /** Bumped by every registration, so a read that raced one is not kept. */
  #registeredVersion = 0;

  /** The registered groups: kept from the last `read` until a registration (`groupsChanged`). */
  async registeredGroups(read: () => Promise<readonly RegisteredGroup[]>): Promise<readonly RegisteredGroup[]> {
    if (this.#registered) return this.#registered;
    const version = this.#registeredVersion;
    const groups = await read();
    if (version === this.#registeredVersion) this.#registered = groups;
    return groups;
  }

  /** A group was (or is about to be) registered: the next publish reads the groups again. */
  groupsChanged(): void {
    this.#registered = undefined;
    this.#registeredVersion++;
  }

  /** Calls `wake` whenever a local publish adds deliveries for `group`; returns the unsubscribe. */
  onGroupWake(group: string, wake: Wake): () => void {
    let set = this.#groups.get(group);
    if (!set) this.#groups.set(group, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.#groups.get(group) === set) this.#groups.delete(group);
    };
  }

  wakeGroups(groups: Iterable<string>): void {
    for (const group of groups) for (const wake of this.#groups.get(group) ?? []) wake();
  }

  /** Calls `listener` after each local `writeOutbox` (before its commit); returns the unsubscribe. */
  onOutboxWritten(listener: Wake): () => void {
    this.#outboxListeners.add(listener);
    return () => this.#outboxListeners.delete(listener);
  }

  outboxWritten(): void {
    for (const listener of this.#outboxListeners) listener();
  }

  /** Runs `fn` after every earlier `exclusive` call on this engine has settled. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#relays.run(fn);
  }
}

/**
 * Events this process just queued, by id, each until every group it was queued for has
 * claimed it (`take`): one to three claims a few milliseconds after the publish, so the
 * rows die young. Kept until pushed out instead, they lived seconds, long enough to be
 * promoted to the old generation: at 9,000 chat messages/s that was about 2.7 MB/s copied
 * by every scavenge and marked by every full GC. Bounded too (the oldest goes first), by
 * count and payload size, for events whose groups have no member in this process: a chat
 * batch's event carries every message of the batch (0.3 MB at the chat benchmark's
 * maximum), and 8192 of them once kept 74 MB alive. An event not found is read from SQL.
 */
export class RecentEvents {
  readonly #events = new Map<string, { row: EventRow; claims: number }>();
  readonly #capacity: number;
  readonly #maxPayloadChars: number;
  #payloadChars = 0;

  constructor(capacity: number, maxPayloadChars: number) {
    this.#capacity = capacity;
    this.#maxPayloadChars = maxPayloadChars;
  }

  /** The event's row for one claim of it; forgotten once all the claims it was remembered for are taken. */
  take(id: string): EventRow | undefined {
    const entry = this.#events.get(id);
    if (!entry) return undefined;
    if (--entry.claims <= 0) this.#forget(id);
    return entry.row;
  }

  /** Events held, for tests. */
  get size(): number {
    return this.#events.size;
  }

  /** Payload characters held, for tests. */
  get payloadChars(): number {
    return this.#payloadChars;
  }

  /** Remembers each event for `claims` claims (the groups it was queued for). */
  remember(events: ReadonlyArray<{ readonly row: EventRow; readonly claims: number }>): void {
    for (const { row, claims } of events) {
      this.#forget(row.id);
      this.#events.set(row.id, { row, claims });
      this.#payloadChars += row.payload.length;
    }
    for (const id of this.#events.keys()) {
      if (this.#events.size <= this.#capacity && this.#payloadChars <= this.#maxPayloadChars) break;
      this.#forget(id);
    }
  }

  #forget(id: string): void {
    const entry = this.#events.get(id);
    if (!entry) return;
    this.#events.delete(id);
    this.#payloadChars -= entry.row.payload.length;
  }
}

const signals = new WeakMap<SqlEngine, LocalSignals>();

export function localSignals(sql: SqlEngine): LocalSignals {
  let found = signals.get(sql);
  if (!found) signals.set(sql, (found = new LocalSignals()));
  return found;
}

const generators = new Map<number, SnowflakeGenerator>();

/** The process-wide id generator for `nodeId`. */
export function idGenerator(nodeId: number): SnowflakeGenerator {
  let found = generators.get(nodeId);
  if (!found) generators.set(nodeId, (found = new SnowflakeGenerator(nodeId)));
  return found;
}
