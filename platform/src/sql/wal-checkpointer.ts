/**
 * Moves an SQLite database's WAL checkpoints off the event loop once it is written to
 * enough for them to matter. By default SQLite checkpoints inside the commit that takes
 * the WAL past 1000 pages: that commit copies the pages into the database file and waits
 * for two fsyncs, and here the committing thread is the event loop. Under the chat
 * benchmark's load, a worker thread checkpointing instead halved the commits' wall time
 * (about 1.2–2.3 → 0.65–1.1 ms) and raised throughput 4–10%.
 *
 * A worker costs about 20 MB and 0.1 s of CPU to start, so it starts only when the WAL
 * file first reaches SQLite's own threshold (a file that size has had, or is about to
 * have, a checkpoint); until then SQLite's autocheckpoint runs as usual. Should the worker
 * fail, the autocheckpoint is turned back on. The worker also keeps the WAL's size bounded
 * under steady writes (`restartBytes`, see wal-checkpoint-worker.ts).
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's default `wal_autocheckpoint`, in pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** WAL size past which the worker starts it over (see wal-checkpoint-worker.ts). */
const RESTART_BYTES = 64 * 2 ** 20;

export class WalCheckpointer {
  readonly #database: Database.Database;
  readonly #filename: string;
  readonly #threshold: number;
  readonly #restartBytes: number;
  readonly #watch: NodeJS.Timeout;
  #worker: Worker | undefined;

  /**
   * `watchIntervalMs`: how often the WAL file's size is looked at until the worker starts;
   * `restartBytes`: the WAL size past which the worker starts it over.
   */
  constructor(database: Database.Database, filename: string, { watchIntervalMs = 1000, restartBytes = RESTART_BYTES } = {}) {
    this.#database = database;
    this.#filename = filename;
    this.#restartBytes = restartBytes;
    this.#threshold = AUTOCHECKPOINT_PAGES * Number(database.pragma('page_size', { simple: true }));
    this.#watch = setInterval(() => this.#startIfBusy(), watchIntervalMs).unref();
  }

  /** Whether the worker has taken checkpoints over (for tests). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Stops the worker; the connection's own close then checkpoints what is left. */
  async close(): Promise<void> {
    clearInterval(this.#watch);
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    await exited;
  }

  #startIfBusy(): void {
    const walBytes = statSync(`${this.#filename}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    if (walBytes < this.#threshold) return;
    clearInterval(this.#watch);
    const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), { workerData: { filename: this.#filename, restartBytes: this.#restartBytes } });
    worker.unref();
    this.#worker = worker;
    worker.once('online', () => {
      if (this.#worker === worker) this.#database.pragma('wal_autocheckpoint = 0');
    });
    worker.once('error', (error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      process.emitWarning(`SQLite checkpoints are back on the event loop: the checkpoint worker failed (${String(error)})`);
    });
  }
}
