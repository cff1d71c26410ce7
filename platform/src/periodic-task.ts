/**
 * Background work on a timer — sweepers, write-behind flushes, recomputes: one run at a
 * time (a tick that finds the previous run still going skips, and `run()` joins it), a
 * failed run reported to `onError` and retried at the next tick, a timer that never holds
 * the process open, and `stop()` that waits for the run in progress.
 */
export interface PeriodicTaskOptions<T> {
  readonly intervalMs: number;
  readonly run: () => Promise<T>;
  readonly onError: (error: unknown) => void;
}

export class PeriodicTask<T> {
  readonly #options: PeriodicTaskOptions<T>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<T> | undefined;

  constructor(options: PeriodicTaskOptions<T>) {
    this.#options = options;
  }

  /** Starts the timer; with `immediately`, the first run starts now rather than one interval from now. */
  start({ immediately = false } = {}): this {
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref?.();
    if (immediately) this.#tick();
    return this;
  }

  /** Runs now, or joins the run in progress; rejects with its error. */
  run(): Promise<T> {
    this.#running ??= this.#options.run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and waits for the run in progress (its error was reported already). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  #tick(): void {
    if (this.#running) return;
    this.run().catch((error: unknown) => this.#options.onError(error));
  }
}
