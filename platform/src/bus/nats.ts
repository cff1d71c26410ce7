/**
 * The scale-out bus: NATS JetStream. One stream holds every event under a subject
 * prefix, with interest retention (a message is kept until every group that wants it
 * has acked it); each group is a durable pull consumer (broadcast: one per node). A
 * publish is a pipeline of JetStream publishes awaited together; the event id travels as
 * `Nats-Msg-Id`, so JetStream drops a re-publish inside its duplicate window. The
 * outbox, the dead letters and the dedupe marks stay in SQL, as on the embedded bus.
 */
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { jetstream, jetstreamManager, type ConsumerConfig, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import type { SqlEngine } from '../sql/index.ts';
import type { DeadLetterDraft } from './bus-store.ts';
import { resolveConsumeOptions, resolveGroupOptions, type ResolvedGroupOptions } from './consume-options.ts';
import { prepareEvents } from './events.ts';
import type { Bus, BusEvent, BusStats, ConsumeOptions, Consumer, GroupOptions, NewEvent } from './interface.ts';
import { SqlBackedBus } from './sql-backed-bus.ts';
import type { BusTables } from './migrations.ts';
import { NatsConsumer, TARGET_GROUP_HEADER } from './nats-consumer.ts';
import { compileFilters } from './subjects.ts';

export interface NatsBusOptions {
  /** Holds the outbox, dead letters and dedupe marks; `busMigrations` must have run on it. */
  sql: SqlEngine;
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  url: string | string[];
  /** This process's node id (0..1023): broadcast groups and event ids. */
  nodeId: number;
  /** Stream name (no dots). Default `BUS`. */
  stream?: string;
  /** First subject token(s) of every event on the wire. Default `bus`. */
  subjectPrefix?: string;
  /** Re-publishes of one event id within this window are dropped by JetStream. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Events older than this are dropped even if a group never acked them. Default 7 days. */
  maxAgeMs?: number;
  /** A broadcast consumer idle this long (its node is gone) is deleted by the server. Default 1 day. */
  broadcastIdleMs?: number;
  /** How long `markProcessed` marks are kept. Default 7 days. */
  processedRetentionMs?: number;
  /** Receives background failures. Default: console.error. */
  onError?: (error: unknown) => void;
}

const PROCESSED_PRUNE_MS = 60_000;

export class NatsBus extends SqlBackedBus<NatsConsumer> implements Bus {
  readonly name = 'nats' as const;
  readonly capabilities = { multiNode: true, transactionalPublish: false };
  readonly nodeId: number;
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #options: NatsBusOptions;
  readonly #onError: (error: unknown) => void;
  readonly #housekeeping: NodeJS.Timeout;
  #closed = false;

  /** Connects and creates (or updates) the stream. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    // Reconnect forever: a server restart must not leave a long-running node without its bus.
    const nc = await connect({ servers: options.url, name: `bus-node-${options.nodeId}`, maxReconnectAttempts: -1 });
    try {
      const jsm = await jetstreamManager(nc);
      const bus = new NatsBus(options, nc, jsm);
      await bus.#ensureStream();
      return bus;
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private constructor(options: NatsBusOptions, nc: NatsConnection, jsm: JetStreamManager) {
    super(options.sql, options.nodeId);
    this.#options = options;
    this.nodeId = options.nodeId;
    this.stream = options.stream ?? 'BUS';
    this.subjectPrefix = options.subjectPrefix ?? 'bus';
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#onError = options.onError ?? ((error) => console.error('nats bus:', error));
    const retention = options.processedRetentionMs ?? 7 * 24 * 3600_000;
    this.#housekeeping = setInterval(
      () => void this.store.pruneProcessed(Date.now() - retention).catch(this.#onError),
      Math.min(PROCESSED_PRUNE_MS, retention),
    );
    this.#housekeeping.unref();
  }

  async publish(events: readonly NewEvent[]): Promise<BusEvent[]> {
    this.#assertOpen();
    const prepared = prepareEvents(events, this.ids);
    // Serialised up front: a payload that is not JSON fails the call before anything is sent.
    const bodies = prepared.map((e) => JSON.stringify(e));
    // Pipelined: every publish is on the wire before the first ack is awaited.
    await Promise.all(prepared.map((e, i) => this.#js.publish(this.#wireSubject(e.subject), bodies[i], { msgID: e.id })));
    return prepared;
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    const resolved = resolveConsumeOptions(options, this.nodeId);
    const { name, serverFilters } = await this.#ensureConsumer(resolved);
    const consumer = new NatsConsumer(
      {
        onError: this.#onError,
        deadLetter: (drafts) => this.#deadLetter(drafts),
        flush: () => this.#nc.flush(),
      },
      resolved,
      serverFilters ? undefined : compileFilters(resolved.subjects),
    );
    await consumer.start(await this.#js.consumers.get(this.stream, name));
    return this.track(consumer);
  }

  async registerGroup(options: GroupOptions): Promise<string> {
    this.#assertOpen();
    const resolved = resolveGroupOptions(options, this.nodeId);
    await this.#ensureConsumer(resolved);
    return resolved.group;
  }

  async retryDeadLetter(id: string): Promise<boolean> {
    this.#assertOpen();
    // Published inside the transaction that deletes the row: a failed publish keeps it.
    return this.store.db.transaction().execute(async (trx) => {
      const letter = await this.store.takeDeadLetter(trx, id);
      if (!letter) return false;
      const h = headers();
      h.set(TARGET_GROUP_HEADER, letter.group);
      // A fresh message id: the original is likely still inside the duplicate window.
      await this.#js.publish(this.#wireSubject(letter.event.subject), JSON.stringify(letter.event), { msgID: `${letter.event.id}.retry.${letter.id}`, headers: h });
      return true;
    });
  }

  async stats(): Promise<BusStats> {
    const [outboxPending, deadLetters, backlog] = await Promise.all([this.store.countOutboxPending(), this.store.countDeadLetters(), this.#backlog()]);
    return { outboxPending, deadLetters, backlog };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#nc.flush();
    await this.#jsm.streams.info(this.stream);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#housekeeping);
    await this.stopConsumers();
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  #wireSubject(subject: string): string {
    return `${this.subjectPrefix}.${subject}`;
  }

  async #ensureStream(): Promise<void> {
    const subjects = [`${this.subjectPrefix}.>`];
    const duplicate_window = nanos(this.#options.duplicateWindowMs ?? 120_000);
    const max_age = nanos(this.#options.maxAgeMs ?? 7 * 24 * 3600_000);
    try {
      await this.#jsm.streams.info(this.stream);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await this.#jsm.streams
        .add({ name: this.stream, subjects, retention: RetentionPolicy.Interest, storage: StorageType.File, duplicate_window, max_age })
        .catch(async (addError: unknown) => {
          // Another node created it meanwhile: fine, it is updated below like any existing one.
          await this.#jsm.streams.info(this.stream).catch(() => Promise.reject(addError));
        });
    }
    // Retention cannot change after creation; subjects and windows follow the options.
    await this.#jsm.streams.update(this.stream, { subjects, duplicate_window, max_age });
  }

  /** Creates the group's durable consumer or brings it to the options; returns its name. */
  async #ensureConsumer(o: ResolvedGroupOptions & { readonly batchSize?: number }): Promise<{ name: string; serverFilters: boolean }> {
    const name = durableName(o.group);
    const filters = o.subjects.map((s) => this.#wireSubject(s));
    // Several filters on one consumer need NATS ≥ 2.10; older servers get all and we filter.
    const multi = this.#nc.info ? versionAtLeast(this.#nc.info.version, 2, 10) : false;
    const serverFilters = filters.length === 1 || multi;
    // The unused field is cleared explicitly: an update merges into the stored config.
    const filter: Partial<ConsumerConfig> =
      filters.length === 1
        ? { filter_subject: filters[0], filter_subjects: undefined }
        : multi
          ? { filter_subjects: filters, filter_subject: undefined }
          : { filter_subject: `${this.subjectPrefix}.>`, filter_subjects: undefined };
    const mutable: Partial<ConsumerConfig> = {
      ack_wait: nanos(o.ackTimeoutMs),
      // One extra delivery: the one that finds the previous attempt timed out and dead-letters it.
      max_deliver: o.maxDeliver + 1,
      max_ack_pending: Math.max(1000, (o.batchSize ?? 0) * 4),
      ...filter,
    };
    const config: Partial<ConsumerConfig> = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ...mutable,
      ...(o.broadcast ? { inactive_threshold: nanos(this.#options.broadcastIdleMs ?? 24 * 3600_000) } : {}),
    };
    try {
      await this.#jsm.consumers.add(this.stream, config);
    } catch {
      // It exists with other settings (a redeploy changed them): update it in place.
      await this.#jsm.consumers.update(this.stream, name, mutable);
    }
    return { name, serverFilters };
  }

  #deadLetter(drafts: readonly DeadLetterDraft[]): Promise<void> {
    return this.store.insertDeadLetters(this.store.db as Kysely<BusTables>, drafts);
  }

  async #backlog(): Promise<number> {
    let total = 0;
    for await (const info of this.#jsm.consumers.list(this.stream)) total += info.num_pending + info.num_ack_pending;
    return total;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('bus is closed');
  }
}

/** Consumer names exclude `.`, `*`, `>`, slashes and whitespace: escape anything unusual reversibly. */
export function durableName(group: string): string {
  return group.replace(/[^A-Za-z0-9_-]/gu, (c) => `~${c.codePointAt(0)!.toString(16)}~`);
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  return a > major || (a === major && b >= minor);
}
