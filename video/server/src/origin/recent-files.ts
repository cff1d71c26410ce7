/**
 * The origin's micro-cache: small files (playlists, captions, storyboard indexes) read
 * whole and kept per node for a short while, so a hot playlist costs no blob read at all
 * (on a local disk four system calls, on S3 a round trip per request). Segments are
 * larger and go straight through as streams.
 *
 * An entry lives `rememberMs` (the same window as the video's status and visibility, after
 * which a deletion reaches the origin), so a file replaced in the store (a master rewritten
 * for a caption) is served as it was for at most that long, with the validators of the
 * bytes served: an edge or player revalidating meanwhile is told its copy is current,
 * which it was a moment ago. Ranged reads and `head` always ask the store.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { SMALL_OBJECT_BYTES, type BlobInfo, type BlobRead, type BlobStore } from '@twin/platform/blob';

/** Bytes kept at most: beyond it every entry is dropped at once (simpler than an LRU; a refill is one read each). */
const MAX_REMEMBERED_BYTES = 32 * 1024 * 1024;

interface Remembered {
  until: number;
  read: BlobRead;
}

export class RecentFiles implements Pick<BlobStore, 'get' | 'head'> {
  readonly #blob: BlobStore;
  readonly #rememberMs: number;
  readonly #now: () => number;
  readonly #remembered = new Map<string, Remembered>();
  #rememberedBytes = 0;

  constructor(blob: BlobStore, rememberMs: number, now: () => number = Date.now) {
    this.#blob = blob;
    this.#rememberMs = rememberMs;
    this.#now = now;
  }

  head: BlobStore['head'] = (key) => this.#blob.head(key);

  get: BlobStore['get'] = async (key, options) => {
    if (options?.range || this.#rememberMs === 0) return this.#blob.get(key, options);
    const nowMs = this.#now();
    const known = this.#remembered.get(key);
    if (known && known.until > nowMs) return known.read;
    const read = await this.#blob.get(key);
    // Remembered are the files a local store reads whole; larger ones are streamed.
    if (read.info.size > SMALL_OBJECT_BYTES) return read;
    const whole = wholeRead(read.info, read.bytes ?? (await buffer(read.body)));
    this.#remember(key, { until: nowMs + this.#rememberMs, read: whole });
    return whole;
  };

  #remember(key: string, entry: Remembered): void {
    const size = entry.read.info.size;
    const replaced = this.#remembered.get(key);
    if (replaced) this.#rememberedBytes -= replaced.read.info.size;
    if (this.#rememberedBytes + size > MAX_REMEMBERED_BYTES) {
      this.#remembered.clear();
      this.#rememberedBytes = 0;
    }
    this.#remembered.set(key, entry);
    this.#rememberedBytes += size;
  }
}

/** A read served from memory, any number of times: each `body` is a fresh stream of the same bytes. */
function wholeRead(info: BlobInfo, bytes: Buffer): BlobRead {
  return {
    bytes,
    info,
    get body() {
      return Readable.from([bytes], { objectMode: false });
    },
  };
}
