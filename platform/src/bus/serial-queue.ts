/**
 * Runs async steps one after another in call order: each starts once every earlier one
 * has settled, whether it resolved or threw, and a failure reaches only its own caller.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
