/**
 * The memory cache's first-seen markers (`countFirstSeen`): one per (video, viewer) and
 * window, millions of keys that are only ever asked "seen?" before they expire. As Map
 * entries each cost a key string, an entry object and a slot, all traced by every full
 * GC, and the Map work was 70% of counting a view. Here a marker is one slot of an
 * open-addressed table outside the JS heap: a 64-bit fingerprint of its key and its expiry,
 * 24 bytes. Two keys with one fingerprint would share a marker; with n markers live the
 * odds are about n / 2^64 per lookup (one in 10^12 at ten million).
 *
 * The table is 64 shards by fingerprint, each open-addressed with linear probing. A
 * shard grows by rebuilding, so one rebuild copies 1/64 of the markers: a few
 * milliseconds of the event loop at millions of markers, where one table stalled it for
 * 300 ms. A slot whose marker expired or was removed stays in its probe chain until its
 * shard is rebuilt (on growth, or by `sweep` once most of it is dead), and a new marker
 * of the same chain may take it over.
 */

const SLOT = 3; // fingerprint high, fingerprint low, expiresAt
const EMPTY = 0; // expiresAt of a slot never written (expiries are > 0: performance.now() + ttl)
const REMOVED = -1;
const SHARDS = 64;
/** A shard is chosen by the top bits of the fingerprint's high half; slots within it by the low half. */
const SHARD_SHIFT = 26;
const MIN_CAPACITY = 64;
/** A shard rebuilds when half full (2.5 probes for a miss on average at worst), to under a third full. */
const MAX_LOAD = 0.5;
const REBUILT_LOAD = 0.3;

let high = 0;
let low = 0;

/** Sets `high` and `low` to the key's 64-bit fingerprint: two 32-bit multiplicative hashes, cross-mixed at the end (cyrb53's scheme, both halves kept). */
function fingerprint(key: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  high = h2 >>> 0;
  low = h1 >>> 0;
}

export class MarkerTable {
  readonly #shards = Array.from({ length: SHARDS }, () => new Shard());
  #written = false;

  /** True when no marker was written since the table was last swept empty (take and delete then return without hashing the key); for tests. */
  get empty(): boolean {
    return !this.#written;
  }

  /** Slots over all shards, for tests. */
  get capacity(): number {
    return this.#shards.reduce((sum, shard) => sum + shard.capacity, 0);
  }

  /** Adds a marker for `key` unless a live one is there; true when added. */
  addIfAbsent(key: string, at: number, expiresAt: number): boolean {
    this.#written = true;
    fingerprint(key);
    return this.#shards[high >>> SHARD_SHIFT]!.addIfAbsent(at, expiresAt);
  }

  /** Removes the live marker of `key` and returns its expiry; undefined when there is none. */
  take(key: string, at: number): number | undefined {
    if (!this.#written) return undefined;
    fingerprint(key);
    return this.#shards[high >>> SHARD_SHIFT]!.take(at);
  }

  /** Removes the marker of `key`, live or not. */
  delete(key: string): void {
    if (!this.#written) return;
    fingerprint(key);
    this.#shards[high >>> SHARD_SHIFT]!.delete();
  }

  /** Rebuilds smaller each shard where at most a quarter of the used slots still hold a live marker. */
  sweep(at: number): void {
    if (!this.#written) return;
    for (const shard of this.#shards) shard.sweep(at);
    this.#written = this.#shards.some((shard) => shard.used > 0);
  }
}

/** One shard: its operations take the key's fingerprint from `high` and `low`. */
class Shard {
  #slots = new Float64Array(MIN_CAPACITY * SLOT);
  #mask = MIN_CAPACITY - 1;
  /** Slots written since the last rebuild: live, expired or removed. */
  used = 0;

  get capacity(): number {
    return this.#mask + 1;
  }

  addIfAbsent(at: number, expiresAt: number): boolean {
    if (this.used + 1 > (this.#mask + 1) * MAX_LOAD) this.#rebuild(at, 1);
    const slots = this.#slots;
    let reusable = -1;
    for (let i = low & this.#mask; ; i = (i + 1) & this.#mask) {
      const o = i * SLOT;
      const expiry = slots[o + 2]!;
      if (expiry === EMPTY) {
        const target = reusable >= 0 ? reusable : o;
        if (target === o) this.used++;
        slots[target] = high;
        slots[target + 1] = low;
        slots[target + 2] = expiresAt;
        return true;
      }
      if (slots[o] === high && slots[o + 1] === low) {
        if (expiry > at) return false;
        slots[o + 2] = expiresAt;
        return true;
      }
      if (expiry <= at && reusable < 0) reusable = o;
    }
  }

  take(at: number): number | undefined {
    const o = this.#find();
    if (o < 0) return undefined;
    const expiry = this.#slots[o + 2]!;
    this.#slots[o + 2] = REMOVED;
    return expiry > at ? expiry : undefined;
  }

  delete(): void {
    const o = this.#find();
    if (o >= 0) this.#slots[o + 2] = REMOVED;
  }

  sweep(at: number): void {
    if (this.used === 0) return;
    if (this.#countLive(at) * 4 <= this.used) this.#rebuild(at, 0);
  }

  /** Offset of the slot holding the fingerprint, or -1. */
  #find(): number {
    if (this.used === 0) return -1;
    const slots = this.#slots;
    for (let i = low & this.#mask; ; i = (i + 1) & this.#mask) {
      const o = i * SLOT;
      if (slots[o + 2] === EMPTY) return -1;
      if (slots[o] === high && slots[o + 1] === low) return o;
    }
  }

  #countLive(at: number): number {
    let live = 0;
    const slots = this.#slots;
    for (let o = 2; o < slots.length; o += SLOT) if (slots[o]! > at) live++;
    return live;
  }

  /** A fresh shard holding only the live markers, with `room` more. */
  #rebuild(at: number, room: number): void {
    const needed = this.#countLive(at) + room;
    let capacity = MIN_CAPACITY;
    while (capacity * REBUILT_LOAD < needed) capacity *= 2;
    const old = this.#slots;
    const slots = new Float64Array(capacity * SLOT);
    const mask = capacity - 1;
    let used = 0;
    for (let o = 0; o < old.length; o += SLOT) {
      if (!(old[o + 2]! > at)) continue;
      let i = old[o + 1]! & mask;
      while (slots[i * SLOT + 2] !== EMPTY) i = (i + 1) & mask;
      const n = i * SLOT;
      slots[n] = old[o]!;
      slots[n + 1] = old[o + 1]!;
      slots[n + 2] = old[o + 2]!;
      used++;
    }
    this.#slots = slots;
    this.#mask = mask;
    this.used = used;
  }
}
