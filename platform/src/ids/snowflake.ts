/**
 * 64-bit time-ordered ids: 41 bits of milliseconds since 2020-01-01, 10 bits of node id,
 * 12 bits of per-millisecond sequence (Twitter's Snowflake layout). Sorting ids sorts by
 * creation time, which keyset pagination relies on. JSON carries them as strings because
 * they exceed 2^53.
 */
export const SNOWFLAKE_EPOCH_MS = 1_577_836_800_000;
const NODE_BITS = 10n;
const SEQUENCE_BITS = 12n;
const MAX_NODE = (1 << Number(NODE_BITS)) - 1;
const MAX_SEQUENCE = (1 << Number(SEQUENCE_BITS)) - 1;

export type Snowflake = string & { readonly __brand: 'Snowflake' };

export class SnowflakeGenerator {
  readonly #node: bigint;
  readonly #now: () => number;
  #lastMs = -1;
  #sequence = 0;

  constructor(nodeId: number, now: () => number = Date.now) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > MAX_NODE) throw new RangeError(`node id must be 0..${MAX_NODE}`);
    this.#node = BigInt(nodeId);
    this.#now = now;
  }

  /** The next id; never repeats within this generator, even if the clock steps back. */
  next<T extends string = Snowflake>(): T {
    let ms = this.#now();
    // A clock that steps backwards must not reissue ids: keep using the last millisecond.
    if (ms < this.#lastMs) ms = this.#lastMs;
    if (ms === this.#lastMs) {
      this.#sequence = (this.#sequence + 1) & MAX_SEQUENCE;
      // Sequence exhausted in this millisecond: borrow the next one.
      if (this.#sequence === 0) ms = this.#lastMs + 1;
    } else {
      this.#sequence = 0;
    }
    this.#lastMs = ms;
    const id = (BigInt(ms - SNOWFLAKE_EPOCH_MS) << (NODE_BITS + SEQUENCE_BITS)) | (this.#node << SEQUENCE_BITS) | BigInt(this.#sequence);
    return id.toString() as T;
  }
}

/** The creation time encoded in an id. */
export function snowflakeTime(id: string): Date {
  return new Date(Number(BigInt(id) >> (NODE_BITS + SEQUENCE_BITS)) + SNOWFLAKE_EPOCH_MS);
}

/** The node id encoded in an id: which process's generator minted it. */
export function snowflakeNode(id: string): number {
  return Number((BigInt(id) >> SEQUENCE_BITS) & BigInt(MAX_NODE));
}

/** True for a decimal string that could be a Snowflake id (positive, fits in 63 bits). */
export function isSnowflake(value: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= 0x7fff_ffff_ffff_ffffn;
}
