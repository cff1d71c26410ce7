/**
 * A file write stream whose bytes are on the disk, not only in the page cache, by the time
 * it emits 'finish': what a store needs before it acknowledges an upload. It fdatasyncs
 * every `syncEveryBytes` while the bytes still arrive, one sync in flight at a time, and
 * once more at the end. A flush only at close (`createWriteStream`'s `flush`) would leave
 * a GiB upload as dirty pages and then make the client wait seconds for all of them; syncing
 * as it goes overlaps the disk's writeback with the network and bounds both the dirty
 * memory one upload holds and the final wait to one interval's worth.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';

export interface DurableWriteOptions {
  /** As `fs.open`: 'wx' for a new file, 'r+' to write into an existing one at `start`. */
  readonly flags: 'w' | 'wx' | 'r+';
  /** Byte offset of the first write; default 0. */
  readonly start?: number;
  /** Bytes written between two background syncs; default 32 MiB. */
  readonly syncEveryBytes?: number;
  /**
   * The writer hands its chunks over and keeps no reference to them, as a request body
   * piped straight in does: each one written is freed at once (see `freeChunk`).
   */
  readonly chunksHandedOver?: boolean;
}

const DEFAULT_SYNC_EVERY_BYTES = 32 * 2 ** 20;
/**
 * Bytes buffered while a write is in flight; they go out together in one writev. A socket
 * hands over 64 KiB at a time, and one thread-pool write per chunk would leave the disk
 * waiting on round trips.
 */
const HIGH_WATER_MARK = 8 * 2 ** 20;

export class DurableWriteStream extends Writable {
  /** Bytes written to the file so far. */
  bytesWritten = 0;
  /** Bytes known to be on the disk (covered by a completed sync). */
  bytesSynced = 0;
  readonly #path: string;
  readonly #flags: DurableWriteOptions['flags'];
  readonly #syncEveryBytes: number;
  readonly #chunksHandedOver: boolean;
  #position: number;
  #handle: FileHandle | undefined;
  #sync: Promise<void> | undefined;
  #syncError: Error | undefined;

  constructor(path: string, options: DurableWriteOptions) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.#path = path;
    this.#flags = options.flags;
    this.#position = options.start ?? 0;
    this.#syncEveryBytes = options.syncEveryBytes ?? DEFAULT_SYNC_EVERY_BYTES;
    this.#chunksHandedOver = options.chunksHandedOver ?? false;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.#path, this.#flags).then((handle) => {
      this.#handle = handle;
      callback();
    }, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    if (this.#syncError) return callback(this.#syncError);
    const buffers = chunks.map(({ chunk }) => chunk);
    this.#writeAll(buffers).then(() => {
      if (this.#chunksHandedOver) buffers.forEach(freeChunk);
      if (this.bytesWritten - this.bytesSynced >= this.#syncEveryBytes && !this.#sync) this.#startSync();
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finalSync().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // FileHandle.close waits for the writes and syncs still running on it.
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  async #writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.#handle!.writev(pending, this.#position);
      this.#position += bytesWritten;
      this.bytesWritten += bytesWritten;
      pending = unwritten(pending, bytesWritten);
    }
  }

  /**
   * A sync in the background. Its failure is kept, not retried: Linux reports a failed
   * writeback to a descriptor once, so a later sync could succeed over lost bytes.
   */
  #startSync(): void {
    const covers = this.bytesWritten;
    this.#sync = this.#handle!.datasync()
      .then(
        () => void (this.bytesSynced = Math.max(this.bytesSynced, covers)),
        (error: Error) => void (this.#syncError ??= error),
      )
      .finally(() => (this.#sync = undefined));
  }

  async #finalSync(): Promise<void> {
    await this.#sync;
    if (this.#syncError) throw this.#syncError;
    const covers = this.bytesWritten;
    await this.#handle!.datasync();
    this.bytesSynced = covers;
  }
}

/**
 * Frees a chunk's memory now instead of at the next garbage collection, by detaching its
 * ArrayBuffer (`transfer(0)`; the chunk reads as empty from then on). Only a chunk that is
 * its whole ArrayBuffer, as each socket read is: a slice may share its buffer with others.
 * Left to the collector, a GiB upload's 64 KiB socket Buffers went back to the allocator
 * hundreds of MiB at a time, between full collections that the external memory itself
 * kept starting, and the HTTP parser's copy of the next reads faulted them in again: the
 * copy and its faults took two thirds of the receiving thread's time. Freed as written,
 * the next reads reuse the same warm memory.
 */
export function freeChunk(chunk: Uint8Array): void {
  const { buffer } = chunk;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached || chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer(0);
  } catch {
    // An ArrayBuffer the engine will not detach (wasm memory, some of Node's own) is left to the collector.
  }
}

/** What is left of `buffers` after the first `written` bytes (a short write: the disk filled, or a signal). */
function unwritten(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  let i = 0;
  while (i < buffers.length && skip >= buffers[i]!.length) skip -= buffers[i++]!.length;
  if (i === buffers.length) return [];
  return [buffers[i]!.subarray(skip), ...buffers.slice(i + 1)];
}
