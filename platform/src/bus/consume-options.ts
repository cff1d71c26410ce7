/**
 * Defaults and validation for `consume()`, identical on both implementations, and the
 * stored group name: a broadcast group is made per node so every node gets every event.
 */
import { snowflakeNode } from '../ids/index.ts';
import type { ConsumeOptions, DeliveryHandler, GroupOptions } from './interface.ts';
import { assertFilter, assertGroup } from './subjects.ts';

export interface ResolvedGroupOptions {
  /** The stored group: `group`, or `<group>.<nodeId>` for broadcast. */
  readonly group: string;
  readonly broadcast: boolean;
  readonly subjects: readonly string[];
  readonly ackTimeoutMs: number;
  readonly maxDeliver: number;
}

export interface ResolvedConsumeOptions extends ResolvedGroupOptions {
  readonly batchSize: number;
  readonly retryDelayMs: number;
  readonly skipOwnEvents: boolean;
  /** The caller's handler; with `skipOwnEvents`, behind a filter that acks this node's own events unseen. */
  readonly handler: DeliveryHandler;
}

export function resolveGroupOptions(options: GroupOptions, nodeId: number): ResolvedGroupOptions {
  assertGroup(options.group);
  if (options.subjects.length === 0) throw new TypeError('a group needs at least one subject filter');
  for (const filter of options.subjects) assertFilter(filter);
  const broadcast = (options.mode ?? 'work-queue') === 'broadcast';
  if (!broadcast && options.mode !== undefined && options.mode !== 'work-queue') throw new TypeError(`unknown consume mode "${options.mode}"`);
  return {
    group: broadcast ? `${options.group}.${nodeId}` : options.group,
    broadcast,
    subjects: [...new Set(options.subjects)],
    ackTimeoutMs: positiveInteger('ackTimeoutMs', options.ackTimeoutMs ?? 30_000, 10, 24 * 3600_000),
    maxDeliver: positiveInteger('maxDeliver', options.maxDeliver ?? 5, 1, 1000),
  };
}

export function resolveConsumeOptions(options: ConsumeOptions, nodeId: number): ResolvedConsumeOptions {
  const group = resolveGroupOptions(options, nodeId);
  if (typeof options.handler !== 'function') throw new TypeError('consume needs a handler');
  const skipOwnEvents = options.skipOwnEvents ?? false;
  if (skipOwnEvents && !group.broadcast) throw new TypeError('skipOwnEvents needs a broadcast group: in a work queue an event skipped by one node is handled by none');
  return {
    ...group,
    batchSize: positiveInteger('batchSize', options.batchSize ?? 100, 1, 10_000),
    retryDelayMs: positiveInteger('retryDelayMs', options.retryDelayMs ?? 0, 0, 24 * 3600_000),
    skipOwnEvents,
    handler: skipOwnEvents ? skippingOwnEvents(options.handler, nodeId) : options.handler,
  };
}

/**
 * The handler behind a filter for events this node published. The embedded bus does not
 * queue those for the member at all, but it cannot tell for an event another node relayed
 * from this node's outbox, nor can NATS: those arrive, and are acked here.
 */
function skippingOwnEvents(handler: DeliveryHandler, nodeId: number): DeliveryHandler {
  return (deliveries) => {
    const others = deliveries.filter((delivery) => {
      if (snowflakeNode(delivery.event.id) !== nodeId) return true;
      delivery.ack();
      return false;
    });
    if (others.length > 0) return handler(others);
  };
}

function positiveInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}
