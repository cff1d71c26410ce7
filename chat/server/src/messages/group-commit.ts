/**
 * Group commit: work submitted within one event-loop turn is handed to `flush` as one
 * batch (one SQL transaction for all of it), and while a batch is being flushed the next
 * one gathers. Under load batches grow by themselves; alone, a submission waits for a
 * single `setImmediate`. Each submission settles with its own result, so one bad item
 * does not fail its batch-mates.
 */
export type BatchFlush<I, R> = (items: readonly I[]) => Promise<PromiseSettledResult<R>[]>;

interface Pending<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, R> {
  readonly #flush: BatchFlush<I, R>;
  readonly #maxBatch: number;
  #queue: Pending<I, R>[] = [];
  #scheduled = false;
  #running: Promise<void> | undefined;
  /** Sizes of flushed batches, for metrics. */
  onBatch?: (size: number) => void;

  constructor(flush: BatchFlush<I, R>, maxBatch = 1000) {
    this.#flush = flush;
    this.#maxBatch = maxBatch;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#running || this.#scheduled) {
      await (this.#running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #run(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    this.onBatch?.(batch.length);
    try {
      const results = await this.#flush(batch.map((p) => p.item));
      batch.forEach((pending, i) => {
        const result = results[i];
        if (!result) pending.reject(new Error('group commit: no result for an item'));
        else if (result.status === 'fulfilled') pending.resolve(result.value);
        else pending.reject(result.reason);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
