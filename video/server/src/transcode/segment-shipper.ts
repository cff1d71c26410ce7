/**
 * Ships the ladder's media segments into the blob seam while ffmpeg is still encoding, so
 * the encode's end leaves only its last segments, the init segments and the playlists to
 * upload. ffmpeg's HLS muxer writes each segment under a temp name and renames it once
 * complete (`temp_file`), so a `seg-*.m4s` under its own name is finished and never written
 * again. Uploaded at the end, the 60 s 1080p ladder's 80-odd files (each put synced to disk,
 * across a network on S3) held `ready` back by ~0.6 s here; shipped as they appear, that
 * I/O overlaps the encode, which is CPU-bound.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '@twin/platform/blob';
import { contentTypeFor, relativeKey } from './blob-files.ts';

/** How often the output directory is looked at; a rung finishes a segment every few seconds. */
const POLL_MS = 1_000;

const FINISHED_SEGMENT = /^seg-\d+\.m4s$/;

export interface ShippedFile {
  key: string;
  size: number;
}

/**
 * Runs `encode`, writing into `dir`, while shipping each finished segment to `prefix` + its
 * path relative to `dir`. Returns the encode's result and what was shipped, by relative
 * path, for the final upload to skip. If the encode or an upload fails, what was shipped is
 * removed (a failed video keeps no partial ladder) and the failure is thrown, so the job
 * retries rather than reach `ready` without a segment.
 */
export async function shipSegmentsWhile<T>(
  blob: BlobStore,
  dir: string,
  prefix: string,
  encode: () => Promise<T>,
): Promise<{ result: T; shipped: ReadonlyMap<string, ShippedFile> }> {
  const shipper = new SegmentShipper(blob, dir, prefix);
  try {
    const result = await encode();
    return { result, shipped: await shipper.stop() };
  } catch (error) {
    await shipper.discard();
    throw error;
  }
}

class SegmentShipper {
  readonly #blob: BlobStore;
  readonly #dir: string;
  readonly #prefix: string;
  /** Shipped files by their path relative to the directory. */
  readonly #shipped = new Map<string, ShippedFile>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #round: Promise<void> = Promise.resolve();
  #busy = false;
  #failure: unknown;

  /** Ships finished segments under `dir` every POLL_MS until `stop`. */
  constructor(blob: BlobStore, dir: string, prefix: string) {
    this.#blob = blob;
    this.#dir = dir;
    this.#prefix = prefix;
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
  }

  /** Stops looking, waits for the upload under way, and returns what was shipped; throws an upload's failure. */
  async stop(): Promise<ReadonlyMap<string, ShippedFile>> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round;
    if (this.#failure) throw this.#failure;
    return this.#shipped;
  }

  /** Stops, and removes what was shipped. */
  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
    await Promise.allSettled([...this.#shipped.values()].map((file) => this.#blob.delete(file.key)));
    this.#shipped.clear();
  }

  #poll(): void {
    // One round at a time: a slow store must not start a second upload of the same file.
    if (this.#busy || this.#failure) return;
    this.#busy = true;
    this.#round = this.#shipNew()
      .catch((error: unknown) => {
        this.#failure = error;
        clearInterval(this.#timer);
      })
      .finally(() => (this.#busy = false));
  }

  async #shipNew(): Promise<void> {
    const entries = await readdir(this.#dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return []; // ffmpeg has not made its folders yet
      throw error;
    });
    for (const entry of entries) {
      if (!entry.isFile() || !FINISHED_SEGMENT.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      const path = relativeKey(this.#dir, file);
      if (this.#shipped.has(path)) continue;
      const key = `${this.#prefix}${path}`;
      const info = await this.#blob.put(key, createReadStream(file), { contentType: contentTypeFor(file) });
      this.#shipped.set(path, { key, size: info.size });
    }
  }
}
