/**
 * Group commit: work submitted within one event-loop turn is handed to `flush` as one
 * batch (one SQL transaction for all of it), and while a batch is being flushed the next
 * one gathers. Under load batches grow by themselves; alone, a submission waits for a
 * single `setImmediate`. A caller that has gathered a turn's work itself (the WebSocket
 * send path) submits it `gathered`: the flush then starts as soon as the current callback
 * is done, not a turn later, since every event-loop hop on the way from a send to its
 * delivery adds a whole turn of other sockets' work to the latency. Each submission
 * settles with its own result, so one bad item does not fail its batch-mates.
 */
export type BatchFlush<I, R> = (items: readonly I[]) => Promise<PromiseSettledResult<R>[]>;

interface Pending<I, R> {
  item: I;
  gathered: boolean;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, R> {
  readonly #flush: BatchFlush<I, R>;
  readonly #maxBatch: number;
  #queue: Pending<I, R>[] = [];
  #scheduled = false;
  #scheduledSoon = false;
  #running: Promise<void> | undefined;

  constructor(flush: BatchFlush<I, R>, maxBatch = 1000) {
    this.#flush = flush;
    this.#maxBatch = maxBatch;
  }

  /** Queues `item` for the next batch; `gathered`: flush once the current callback is done instead of next turn. */
  submit(item: I, { gathered = false } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, gathered, resolve, reject });
      this.#schedule(gathered);
    });
  }

  /** Resolves once everything submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#running || this.#scheduled || this.#scheduledSoon) {
      await (this.#running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  #schedule(soon: boolean): void {
    if (this.#running) return; // the running batch schedules the next when it ends
    if (soon && !this.#scheduledSoon) {
      this.#scheduledSoon = true;
      queueMicrotask(() => {
        this.#scheduledSoon = false;
        this.#start();
      });
    } else if (!soon && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#start();
      });
    }
  }

  #start(): void {
    if (this.#running || this.#queue.length === 0) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0) this.#schedule(this.#queue.some((p) => p.gathered));
    });
  }

  async #run(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
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
