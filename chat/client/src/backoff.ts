/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniform random time in [0, min(cap, base·2ⁿ)],
 * so a whole fleet reconnecting after a gateway restart spreads out instead of arriving
 * in waves. A floor keeps a tight loop from hammering a server that refuses at once.
 */
export interface BackoffOptions {
  /** Delay scale of the first retry, ms. */
  baseMs?: number;
  /** Largest delay, ms. */
  capMs?: number;
  /** Smallest delay, ms. */
  floorMs?: number;
  /** Random source in [0, 1) (injectable for tests). */
  random?: () => number;
}

export class Backoff {
  readonly #base: number;
  readonly #cap: number;
  readonly #floor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#base = options.baseMs ?? 250;
    this.#cap = options.capMs ?? 30_000;
    this.#floor = options.floorMs ?? 50;
    this.#random = options.random ?? Math.random;
  }

  /** Attempts made since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.max(this.#floor, Math.floor(this.#random() * ceiling));
  }

  /** After a success: the next failure starts from the base again. */
  reset(): void {
    this.#attempt = 0;
  }
}
