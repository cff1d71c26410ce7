/**
 * The bus seam: events and work queues. Producers publish batches of events on
 * dot-separated subjects; consumer groups receive them in batches, ack each one, and get
 * redeliveries for what they fail or forget; poison events land in a dead-letter store.
 * Two implementations: an embedded bus over SQL tables (one node) and NATS JetStream
 * (many nodes). Both keep the outbox, the dead letters and the consumers' dedupe marks
 * in SQL, so a state change, its event and a consumer's effect can each commit in one
 * transaction with the rows they belong to.
 *
 * Delivery is at least once: a consumer that must not repeat an effect records the event
 * ids it handled with {@link Bus.markProcessed} in the same transaction as the effect.
 */
import type { Kysely } from 'kysely';

/** One event as consumers see it. */
export interface BusEvent {
  /** Snowflake id (decimal string), unique per event; consumers dedupe by it. */
  readonly id: string;
  /** What happened, e.g. `video.uploaded`; consumers switch on it. */
  readonly type: string;
  /** Where it was published: dot-separated tokens, e.g. `chat.message.<conversationId>`. */
  readonly subject: string;
  /** Any JSON value; one event may carry many items (batching is the performance design). */
  readonly payload: unknown;
  /** Epoch milliseconds when the event was created (for outbox events: when the row was written). */
  readonly publishedAt: number;
}

/** An event to publish. The bus fills in what is missing. */
export interface NewEvent {
  readonly type: string;
  /** Defaults to `type`. Tokens are non-empty and hold no whitespace, `*` or `>`. */
  readonly subject?: string;
  readonly payload: unknown;
  /** Set only to re-publish a known event (the outbox relay does); otherwise a fresh Snowflake. */
  readonly id?: string;
  /** Defaults to now. */
  readonly publishedAt?: number;
}

/** One event handed to a handler, with the means to settle it. */
export interface Delivery {
  readonly event: BusEvent;
  /** 1 on first delivery, 2 on the first redelivery, and so on up to `maxDeliver`. */
  readonly attempt: number;
  /** Done with it: never delivered to this group again. Buffered; sent with the batch's other settlements. */
  ack(): void;
  /**
   * Failed: deliver again after `delayMs` (default 0). On the last allowed attempt the
   * event goes to the dead-letter store instead. The first of ack/nak wins.
   */
  nak(delayMs?: number): void;
  /**
   * Still working on it: the ack timeout starts over from now, so a handler that runs
   * longer than `ackTimeoutMs` keeps its delivery while it is alive (NATS: AckProgress,
   * `msg.working()`). Call it well within every ack timeout; a process that dies stops
   * calling it, and the delivery comes back one ack timeout later. No-op once settled.
   */
  inProgress(): void;
}

/**
 * Handles a batch of deliveries, in publish order within a subject. Deliveries neither
 * acked nor naked when it resolves stay in flight and are redelivered after
 * `ackTimeoutMs`; if it throws, every delivery it did not settle is naked with the
 * error's message as the failure reason.
 */
export type DeliveryHandler = (deliveries: Delivery[]) => Promise<void> | void;

/**
 * `work-queue`: each event goes to exactly one member of the group, wherever it runs.
 * `broadcast`: every node gets every event (the group is made per node: `<group>.<nodeId>`).
 */
export type ConsumeMode = 'work-queue' | 'broadcast';

/** What defines a consumer group, apart from how one member handles its deliveries. */
export interface GroupOptions {
  /** Consumer group name: members sharing it share the work. No whitespace. */
  readonly group: string;
  /**
   * Subject filters, NATS style: `*` matches one token, `>` (last) one or more. Filters
   * of one group must not overlap. The latest member to start sets the group's filters.
   */
  readonly subjects: readonly string[];
  /** Default `work-queue`. */
  readonly mode?: ConsumeMode;
  /** An unsettled delivery is redelivered this long after it was handed out or last reported {@link Delivery.inProgress}. Default 30 000. */
  readonly ackTimeoutMs?: number;
  /** Attempts before an event moves to the dead-letter store. Default 5. */
  readonly maxDeliver?: number;
}

export interface ConsumeOptions extends GroupOptions {
  /** Most deliveries per handler call. Default 100. */
  readonly batchSize?: number;
  /** Redelivery delay for deliveries naked because the handler threw. Default 0. */
  readonly retryDelayMs?: number;
  /**
   * Broadcast only: this node's member is not handed the events this node published
   * (those whose ids its node id minted), as MQTT's No Local. For a node that handles its
   * own events in-process once they commit, and needs the bus only for the other nodes'.
   * Such events are not even queued for the member where the bus can tell (the embedded
   * bus, publishing them itself), else acked unseen. Default false.
   */
  readonly skipOwnEvents?: boolean;
  readonly handler: DeliveryHandler;
}

/** A running member of a consumer group. */
export interface Consumer {
  /** The group as stored: `group` for a work queue, `<group>.<nodeId>` for broadcast. */
  readonly group: string;
  /**
   * Stops taking new deliveries, waits for the handler in flight and sends its
   * settlements. The group stays registered: events published meanwhile wait for it.
   * Not to be awaited from inside the handler, which it waits for.
   */
  stop(): Promise<void>;
}

/** An event that exhausted its attempts in one group. */
export interface DeadLetter {
  /** Id of this dead-letter record (not the event's). */
  readonly id: string;
  /** The stored group it failed in (as {@link Consumer.group}). */
  readonly group: string;
  readonly event: BusEvent;
  /** Deliveries made before it was given up. */
  readonly attempts: number;
  /** The last failure: the handler's error message, `nak`, or an ack timeout. */
  readonly lastError: string;
  /** Epoch milliseconds when it was given up. */
  readonly deadAt: number;
}

export interface DeadLetterPage {
  /** Newest first. */
  readonly items: DeadLetter[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface BusStats {
  /** Outbox rows written but not yet published. */
  readonly outboxPending: number;
  /** Events in the dead-letter store. */
  readonly deadLetters: number;
  /** Deliveries not yet acked, summed over every group (queue depth). */
  readonly backlog: number;
}

export interface BusCapabilities {
  /** Consumers in several processes share groups and wake on each other's publishes (NATS: yes; embedded: one process). */
  readonly multiNode: boolean;
  /**
   * `writeOutbox` queues the events itself, inside the caller's transaction, so the relay
   * has nothing to publish (the embedded bus on a database one process owns).
   */
  readonly transactionalPublish: boolean;
}

export interface Bus {
  /** Short name for logs, metrics and /readyz. */
  readonly name: 'embedded' | 'nats';
  readonly capabilities: BusCapabilities;
  /** This process's node id: it makes broadcast groups per node and goes into event ids. */
  readonly nodeId: number;

  /**
   * Publishes a batch of events (one SQL insert embedded; pipelined publishes on NATS)
   * and resolves when all are stored. Every group whose filters match a subject, and
   * that was registered before the call, receives the event. Re-publishing a known id
   * while it is still queued does not deliver it twice. A rejected call may have stored
   * part of the batch (NATS); write through the outbox where that matters.
   */
  publish(events: readonly NewEvent[]): Promise<BusEvent[]>;

  /**
   * Registers the group (durably: it keeps receiving while no member runs) and starts a
   * member that hands batches to `options.handler`. Resolves once registered: events
   * published afterwards are delivered.
   */
  consume(options: ConsumeOptions): Promise<Consumer>;

  /**
   * Registers the group durably without starting a member, exactly as `consume` does with
   * the same options: events published from now on wait for its first member. Idempotent.
   * A producer calls it at start so that nothing it publishes before the group's first
   * member ever ran is lost. Resolves to the stored group name (as {@link Consumer.group}).
   */
  registerGroup(options: GroupOptions): Promise<string>;

  /**
   * Writes events as outbox rows inside the caller's transaction, so they commit or roll
   * back with the state change. The {@link OutboxRelay} publishes them after commit; call
   * its `notify()` after the commit for the lowest latency. Where the bus's queue is in
   * that same database and one process owns it (`capabilities.transactionalPublish`), the
   * events are queued directly in the transaction instead, and consumers see them on commit.
   */
  writeOutbox(trx: Kysely<any>, events: readonly NewEvent[]): Promise<BusEvent[]>;

  /**
   * Records that `group` handled these events, inside the caller's transaction, and
   * returns the ids not recorded before (in input order). Do the effect only for those;
   * a rolled-back effect rolls back its marks. Marks are pruned after a retention.
   */
  markProcessed(trx: Kysely<any>, group: string, eventIds: readonly string[]): Promise<string[]>;

  /** A page of dead letters, newest first (for the admin endpoint). */
  listDeadLetters(options: { limit: number; cursor?: string | null }): Promise<DeadLetterPage>;

  /** How many dead letters are stored (for /metrics). */
  countDeadLetters(): Promise<number>;

  /**
   * Re-publishes a dead letter to the group it failed in only (other groups do not see
   * it again), with fresh attempts, and removes it from the store. False when no such id.
   */
  retryDeadLetter(id: string): Promise<boolean>;

  /** Counters for /metrics. */
  stats(): Promise<BusStats>;

  /** Resolves when the bus's engines answer; rejects otherwise. */
  ping(): Promise<void>;

  /** Stops every consumer (draining in-flight handlers) and releases connections. The SQL engine stays open. */
  close(): Promise<void>;
}
