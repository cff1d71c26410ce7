/**
 * Removes attachments past retention, and uploads abandoned half-way, periodically and
 * in batches: the blob first, then its row, so a crash in between leaves a row the next
 * round retries (deleting a missing blob is not an error) and never an orphan blob.
 *
 * A sweep of its own rather than a step of the message sweeper (`retention/`): that
 * one deletes log rows by `(conversation_id, seq)` inside one SQL transaction, this one
 * must call the blob store per object and must not hold a transaction across it.
 */
import { PeriodicTask, type Logger } from '@twin/platform';
import type { BlobStore } from '@twin/platform/blob';
import type { Kysely } from 'kysely';
import type { RetentionPolicy } from '../retention/policy.ts';
import { attachmentBlobKey } from './service.ts';
import * as store from './store.ts';

/**
 * How long an attachment is kept. With a duration, as long as messages. With
 * `until-delivered` the server cannot tell which message carries the pointer (it is
 * inside the MLS ciphertext), and devices fetch media lazily, after they acked the
 * message: so attachments are kept for `CHAT_UNDELIVERED_MAX_AGE`, as WhatsApp keeps
 * media on its servers for 30 days whether or not it was delivered.
 */
export function attachmentKeepMs(policy: RetentionPolicy, undeliveredMaxAgeMs: number): number {
  return policy.mode === 'duration' ? policy.ms : undeliveredMaxAgeMs;
}

/** An upload still unfinished after this long is taken for abandoned (its client crashed or went away). */
export const ABANDONED_UPLOAD_MS = 24 * 3_600_000;

export interface AttachmentSweeperDeps {
  db: Kysely<any>;
  blob: BlobStore;
  keepForMs: number;
  intervalMs: number;
  logger?: Logger;
  /** Attachments per round trip to SQL; their blobs are deleted concurrently. */
  batchSize?: number;
  onDeleted?: (count: number) => void;
  now?: () => number;
}

export class AttachmentSweeper {
  readonly #deps: AttachmentSweeperDeps;
  readonly #db: Kysely<store.AttachmentTables>;
  readonly #now: () => number;
  readonly #task: PeriodicTask<number>;
  #stopped = false;

  constructor(deps: AttachmentSweeperDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
    this.#task = new PeriodicTask({ intervalMs: deps.intervalMs, run: () => this.#sweep(), onError: (error) => deps.logger?.warn({ err: error }, 'chat attachment sweep failed') });
  }

  start(): void {
    this.#task.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#task.stop();
  }

  /** One full sweep (or the one in progress); resolves how many attachments were removed. */
  sweep(): Promise<number> {
    return this.#task.run();
  }

  async #sweep(): Promise<number> {
    const batch = this.#deps.batchSize ?? 100;
    let deleted = 0;
    while (!this.#stopped) {
      const now = this.#now();
      const ids = await store.expired(this.#db, { storedBefore: now - this.#deps.keepForMs, startedBefore: now - ABANDONED_UPLOAD_MS }, batch);
      if (ids.length === 0) break;
      await Promise.all(ids.map((id) => this.#deps.blob.delete(attachmentBlobKey(id))));
      await store.deleteRows(this.#db, ids);
      deleted += ids.length;
      this.#deps.onDeleted?.(ids.length);
      if (ids.length < batch) break;
    }
    return deleted;
  }
}
