/**
 * One handler call's batch of deliveries, shared by both implementations: each delivery
 * settles once (the first ack or nak wins), progress reports stop at settlement, and a
 * handler that throws naks whatever it left unsettled, with the error's message as the
 * failure reason.
 */
import type { BusEvent, Delivery, DeliveryHandler } from './interface.ts';

/** How a delivery was settled. `error` is the failure reason kept if it ends as a dead letter. */
export type Outcome = { readonly kind: 'ack' } | { readonly kind: 'nak'; readonly delayMs: number; readonly error: string };

export interface DeliveryItem {
  readonly event: BusEvent;
  readonly attempt: number;
}

export class DeliveryBatch<Item extends DeliveryItem> {
  readonly deliveries: Delivery[];
  readonly #items: readonly Item[];
  readonly #settled: boolean[];
  readonly #onSettle: (item: Item, outcome: Outcome) => void;

  /** `onProgress` restarts an unsettled item's ack timeout (see Delivery.inProgress). */
  constructor(items: readonly Item[], onSettle: (item: Item, outcome: Outcome) => void, onProgress: (item: Item) => void) {
    this.#items = items;
    this.#settled = items.map(() => false);
    this.#onSettle = onSettle;
    this.deliveries = items.map((item, i) => ({
      event: item.event,
      attempt: item.attempt,
      ack: () => this.#settle(i, { kind: 'ack' }),
      nak: (delayMs = 0) => this.#settle(i, { kind: 'nak', delayMs: Math.max(0, delayMs), error: 'nak' }),
      inProgress: () => {
        if (!this.#settled[i]) onProgress(item);
      },
    }));
  }

  /** Runs `handler`; if it throws, naks every delivery still unsettled, to be retried after `retryDelayMs`. */
  async run(handler: DeliveryHandler, retryDelayMs: number): Promise<void> {
    try {
      await handler(this.deliveries);
    } catch (error) {
      const reason = describeError(error);
      for (let i = 0; i < this.#items.length; i++) this.#settle(i, { kind: 'nak', delayMs: retryDelayMs, error: reason });
    }
  }

  /** The items no ack or nak has settled yet. */
  unsettled(): Item[] {
    return this.#items.filter((_, i) => !this.#settled[i]);
  }

  #settle(index: number, outcome: Outcome): void {
    if (this.#settled[index]) return;
    this.#settled[index] = true;
    this.#onSettle(this.#items[index]!, outcome);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
