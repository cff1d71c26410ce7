/**
 * Per-key mutual exclusion inside one process, for the local store's short critical
 * sections (committing a put, deleting, repairing metadata). Waiters queue in order; a
 * key with nobody waiting holds no memory.
 */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `critical` once every earlier holder of `key` has finished. */
  async run<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await critical();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
