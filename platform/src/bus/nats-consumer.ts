/**
 * One member of a consumer group on NATS JetStream: a pull `consume()` on the group's
 * durable consumer, whose messages are gathered into batches for the handler. The reader
 * stops iterating while a full batch waits, and the client only sends its next pull
 * request as the iterator advances, so unhandled messages stay bounded and their ack
 * clocks do not run out in a local buffer.
 *
 * The durable's `max_deliver` is one more than the group's: that extra delivery is not
 * handed to the handler but written to the dead-letter store (the previous attempt timed
 * out) and terminated, because JetStream alone would stop redelivering silently.
 */
import type { Consumer as JsConsumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { DeadLetterDraft } from './bus-store.ts';
import type { ResolvedConsumeOptions } from './consume-options.ts';
import { DeliveryBatch, type Outcome } from './deliveries.ts';
import type { BusEvent, Consumer } from './interface.ts';
import type { SubjectMatcher } from './subjects.ts';

/** Header naming the one group a retried dead letter is for; other groups skip it. */
export const TARGET_GROUP_HEADER = 'Bus-Target-Group';

export interface NatsConsumerContext {
  readonly onError: (error: unknown) => void;
  /** Stores dead letters in SQL; the messages are terminated only after it resolves. */
  deadLetter(drafts: readonly DeadLetterDraft[]): Promise<void>;
  /** Resolves once everything this connection sent (acks included) reached the server. */
  flush(): Promise<void>;
}

interface Received {
  readonly event: BusEvent;
  readonly attempt: number;
  readonly msg: JsMsg;
}

const REMEMBERED_ERRORS = 10_000;

export class NatsConsumer implements Consumer {
  readonly group: string;
  readonly #ctx: NatsConsumerContext;
  readonly #options: ResolvedConsumeOptions;
  /** Set when the server cannot filter on several subjects: the rest is acked unseen. */
  readonly #clientFilter: SubjectMatcher | undefined;
  #messages: ConsumerMessages | undefined;
  #reading: Promise<void> = Promise.resolve();
  #buffer: JsMsg[] = [];
  #spaceFreed: (() => void) | null = null;
  #draining: Promise<void> | null = null;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #inHandler = false;
  #dead: { draft: DeadLetterDraft; msg: JsMsg }[] = [];
  #deadWrites: Promise<void> = Promise.resolve();
  // Why each stream sequence last failed, so a final timeout can report the real cause.
  readonly #lastErrors = new Map<number, string>();

  constructor(ctx: NatsConsumerContext, options: ResolvedConsumeOptions, clientFilter?: SubjectMatcher) {
    this.#ctx = ctx;
    this.#options = options;
    this.group = options.group;
    this.#clientFilter = clientFilter;
  }

  async start(durable: JsConsumer): Promise<void> {
    this.#messages = await durable.consume({ max_messages: this.#options.batchSize });
    this.#reading = this.#read(this.#messages);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    const closed = this.#messages?.close();
    this.#releaseSpace();
    await this.#reading;
    await closed;
    await this.#draining;
    // Received but never handed out: give them back now rather than after ack_wait.
    for (const msg of this.#buffer.splice(0)) msg.nak();
    await this.#writeDead().catch(this.#ctx.onError);
    await this.#ctx.flush().catch(this.#ctx.onError);
  }

  async #read(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        if (this.#stopped) {
          msg.nak();
          continue;
        }
        this.#buffer.push(msg);
        this.#scheduleDrain();
        if (this.#buffer.length >= this.#options.batchSize) await new Promise<void>((resolve) => (this.#spaceFreed = resolve));
      }
    } catch (error) {
      if (!this.#stopped) this.#ctx.onError(error);
    }
  }

  #releaseSpace(): void {
    const release = this.#spaceFreed;
    this.#spaceFreed = null;
    release?.();
  }

  #scheduleDrain(): void {
    if (this.#draining || this.#stopped) return;
    // setImmediate: let the reader queue everything already received, for a fuller batch.
    this.#draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .catch(this.#ctx.onError)
      .finally(() => {
        this.#draining = null;
        if (this.#buffer.length > 0) this.#scheduleDrain();
      });
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0 && !this.#stopped) {
      const batch = this.#buffer.splice(0, this.#options.batchSize);
      this.#releaseSpace();
      await this.#handle(batch);
    }
  }

  async #handle(msgs: JsMsg[]): Promise<void> {
    const { maxDeliver, ackTimeoutMs } = this.#options;
    const items: Received[] = [];
    for (const msg of msgs) {
      let event: BusEvent;
      try {
        event = msg.json<BusEvent>();
      } catch (error) {
        this.#ctx.onError(new Error(`unreadable bus message at stream sequence ${msg.seq}`, { cause: error }));
        msg.term('unreadable');
        continue;
      }
      const target = msg.headers?.get(TARGET_GROUP_HEADER);
      if ((target && target !== this.group) || (this.#clientFilter && !this.#clientFilter(event.subject))) {
        msg.ack();
        continue;
      }
      const attempt = msg.info.deliveryCount;
      if (attempt > maxDeliver) {
        const lastError = this.#lastErrors.get(msg.seq) ?? `not acknowledged within ${ackTimeoutMs} ms`;
        this.#dead.push({ draft: { group: this.group, event, attempts: attempt - 1, lastError }, msg });
      } else items.push({ event, attempt, msg });
    }
    if (items.length > 0) {
      const batch = new DeliveryBatch(items, (item, outcome) => this.#settled(item, outcome), (item) => item.msg.working());
      this.#inHandler = true;
      try {
        await batch.run(this.#options.handler, this.#options.retryDelayMs);
      } finally {
        this.#inHandler = false;
      }
    }
    await this.#writeDead();
  }

  #settled(item: Received, outcome: Outcome): void {
    const { msg } = item;
    if (outcome.kind === 'ack') {
      this.#lastErrors.delete(msg.seq);
      msg.ack();
      return;
    }
    if (item.attempt >= this.#options.maxDeliver) {
      this.#dead.push({ draft: { group: this.group, event: item.event, attempts: item.attempt, lastError: outcome.error }, msg });
      if (!this.#inHandler) void this.#writeDead().catch(this.#ctx.onError);
      return;
    }
    this.#rememberError(msg.seq, outcome.error);
    msg.nak(outcome.delayMs);
  }

  #rememberError(seq: number, error: string): void {
    this.#lastErrors.delete(seq);
    this.#lastErrors.set(seq, error);
    if (this.#lastErrors.size > REMEMBERED_ERRORS) {
      const oldest = this.#lastErrors.keys().next();
      if (!oldest.done) this.#lastErrors.delete(oldest.value);
    }
  }

  /** Stores buffered dead letters, then terminates their messages; serialised. */
  #writeDead(): Promise<void> {
    this.#deadWrites = this.#deadWrites
      .catch(() => undefined)
      .then(async () => {
        const dead = this.#dead;
        if (dead.length === 0) return;
        this.#dead = [];
        try {
          await this.#ctx.deadLetter(dead.map((d) => d.draft));
        } catch (error) {
          // Not stored: let JetStream redeliver, so the dead-lettering is tried again.
          for (const { msg } of dead) msg.nak(1000);
          throw error;
        }
        for (const { msg } of dead) {
          this.#lastErrors.delete(msg.seq);
          msg.term(`dead letter after ${this.#options.maxDeliver} attempts`);
        }
      });
    return this.#deadWrites;
  }
}
