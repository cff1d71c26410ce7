/**
 * What the bus contract cases share: the suite context (the buses under test and the
 * SQL engine behind them), names unique to each case so cases on one shared backing
 * store do not see each other's events, and small waiting and recording helpers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlEngine } from '../sql/index.ts';
import type { Bus, BusEvent, Consumer, ConsumeOptions, Delivery } from './interface.ts';

export { sleep };
export { waitFor } from '../testing/wait.ts';

/** What one implementation's test file provides: buses over one backing store. */
export interface BusFixture {
  /** The database every bus of the suite keeps its SQL tables in, already migrated. */
  readonly sql: SqlEngine;
  /** Opens another bus on the same backing stores, as the process of node `nodeId` would. */
  open(nodeId: number): Promise<Bus>;
  /** Closes every bus `open` made and removes the backing stores (schema, stream, file). */
  close(): Promise<void>;
}

export interface ContractContext {
  /** The suite's main bus (node 1). */
  readonly bus: Bus;
  readonly fixture: BusFixture;
  /** A fresh `{ root, group }` for one case: subjects under `root.`, its own group names. */
  names(label: string): { root: string; group: string };
  it(name: string, fn: () => Promise<void>): void;
}

export interface Received {
  readonly event: BusEvent;
  readonly attempt: number;
  readonly at: number;
}

/** Records every delivery a consumer receives; `decide` settles each one (default: ack). */
export class Recorder {
  readonly received: Received[] = [];
  readonly batchSizes: number[] = [];
  decide: (delivery: Delivery) => void | Promise<void> = (d) => d.ack();

  readonly handler = async (deliveries: Delivery[]): Promise<void> => {
    this.batchSizes.push(deliveries.length);
    for (const d of deliveries) {
      this.received.push({ event: d.event, attempt: d.attempt, at: Date.now() });
      await this.decide(d);
    }
  };

  ids(): string[] {
    return this.received.map((r) => r.event.id);
  }

  attemptsOf(id: string): number[] {
    return this.received.filter((r) => r.event.id === id).map((r) => r.attempt);
  }
}

/** Starts a consumer recording into a new Recorder. */
export async function record(bus: Bus, options: Omit<ConsumeOptions, 'handler'>): Promise<{ consumer: Consumer; recorder: Recorder }> {
  const recorder = new Recorder();
  const consumer = await bus.consume({ ...options, handler: recorder.handler });
  return { consumer, recorder };
}
