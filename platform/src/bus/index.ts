/**
 * @module @twin/platform/bus
 * The bus seam: events and work queues. Embedded (SQL tables, one node) by default;
 * NATS JetStream when `natsUrl` is set. Either way the outbox, dead letters and dedupe
 * marks live in SQL, so run `busMigrations` before creating a bus.
 */
import type { SqlEngine } from '../sql/index.ts';
import { EmbeddedBus } from './embedded.ts';
import type { Bus } from './interface.ts';
import { NatsBus } from './nats.ts';

export type {
  Bus,
  BusCapabilities,
  BusEvent,
  BusStats,
  ConsumeMode,
  ConsumeOptions,
  Consumer,
  DeadLetter,
  DeadLetterPage,
  Delivery,
  DeliveryHandler,
  GroupOptions,
  NewEvent,
} from './interface.ts';
export { EmbeddedBus, type EmbeddedBusOptions } from './embedded.ts';
export { NatsBus, type NatsBusOptions } from './nats.ts';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
export { busMigrations, type BusTables } from './migrations.ts';

export interface BusConfig {
  /** Holds the bus tables (migrated with `busMigrations`). */
  sql: SqlEngine;
  /** NATS URL; unset → the embedded bus over `sql`. */
  natsUrl?: string;
  /** This process's node id (0..1023), distinct per process: broadcast groups and event ids. */
  nodeId: number;
  /** JetStream stream name (NATS only); tests use one per run. */
  stream?: string;
  /** Subject prefix on the wire (NATS only); tests use one per run. */
  subjectPrefix?: string;
  /** Receives background failures, which are retried. Default: console.error. */
  onError?: (error: unknown) => void;
}

/** NATS JetStream when `natsUrl` is set (connects and ensures the stream), else embedded. */
export async function createBus(config: BusConfig): Promise<Bus> {
  const { sql, natsUrl, nodeId, onError } = config;
  if (!natsUrl) return new EmbeddedBus({ sql, nodeId, ...(onError ? { onError } : {}) });
  return NatsBus.connect({ sql, url: natsUrl, nodeId, stream: config.stream, subjectPrefix: config.subjectPrefix, ...(onError ? { onError } : {}) });
}
