/**
 * What both buses share: the SQL bookkeeping kept beside the queue (outbox, dedupe
 * marks, dead letters) and the set of running consumers. The embedded and NATS buses
 * differ only in how events travel.
 */
import type { Kysely } from 'kysely';
import type { SnowflakeGenerator } from '../ids/index.ts';
import type { SqlEngine } from '../sql/index.ts';
import { BusStore } from './bus-store.ts';
import type { BusEvent, Consumer, DeadLetterPage, NewEvent } from './interface.ts';
import { idGenerator, localSignals, type LocalSignals } from './local-signals.ts';

interface RunningConsumer {
  readonly group: string;
  stop(): Promise<void>;
}

export abstract class SqlBackedBus<C extends RunningConsumer> {
  protected readonly ids: SnowflakeGenerator;
  protected readonly store: BusStore;
  protected readonly signals: LocalSignals;
  protected readonly consumers = new Set<C>();

  constructor(sql: SqlEngine, nodeId: number) {
    this.ids = idGenerator(nodeId);
    this.store = new BusStore(sql, this.ids);
    this.signals = localSignals(sql);
  }

  async writeOutbox(trx: Kysely<any>, events: readonly NewEvent[]): Promise<BusEvent[]> {
    const written = await this.store.writeOutbox(trx, events);
    if (written.length > 0) this.signals.outboxWritten();
    return written;
  }

  markProcessed(trx: Kysely<any>, group: string, eventIds: readonly string[]): Promise<string[]> {
    return this.store.markProcessed(trx, group, eventIds);
  }

  listDeadLetters(options: { limit: number; cursor?: string | null }): Promise<DeadLetterPage> {
    return this.store.listDeadLetters(options);
  }

  countDeadLetters(): Promise<number> {
    return this.store.countDeadLetters();
  }

  /** Keeps a started consumer until it is stopped, and hands out its public face. */
  protected track(consumer: C): Consumer {
    this.consumers.add(consumer);
    return {
      group: consumer.group,
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  /** Stops every running consumer, draining their in-flight handlers. */
  protected async stopConsumers(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
  }
}
