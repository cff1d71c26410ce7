/**
 * The embedded blob store: objects are plain files under `<root>/objects/<key>`, so
 * ffmpeg can read a source by path and an operator can look at them. Writes stream into
 * `<root>/tmp/` (same filesystem, fsynced) and `rename` into place, so readers see the
 * old file or the whole new one. The strong etag is the SHA-256 of the bytes, computed
 * while writing and kept in a sidecar (`local-sidecar.ts`) that names the exact data
 * file it describes; the content type lives there too.
 *
 * Why a content hash and not size+mtime+inode: ext4 and friends stamp mtimes from a
 * coarse clock (a few ms) and reuse freed inodes at once, so two quick overwrites of
 * equal size could share such an etag while their bytes differ — a cache would then
 * serve stale bytes as fresh. A hash cannot, and costs nothing extra while streaming.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { mkdir, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { BlobNotFoundError, BlobRangeNotSatisfiableError, InvalidBlobKeyError } from './errors.ts';
import type { BlobInfo, BlobPage, BlobRead, BlobStore, GetOptions, ListOptions, PutOptions } from './interface.ts';
import { KeyLocks } from './key-locks.ts';
import { assertValidKey, assertValidPrefix, assertWellFormedRange, defaultContentType, listLimit } from './keys.ts';
import { makeFolderFor, removeEmptyFolders, renameIntoPlace, writeHashing } from './local-files.ts';
import { walkKeys } from './local-listing.ts';
import { describes, etagOf, hashOpenFile, infoFrom, isFsError, readSidecar, sidecarFor, sidecarPath, writeSidecar, type Sidecar } from './local-sidecar.ts';

export interface LocalBlobStoreOptions {
  /** Root directory; created (with its parents) on first use. */
  readonly dir: string;
}

/**
 * Bytes per read of a body stream. Node's default (64 KiB) costs a 2 MB video segment 32
 * thread-pool round trips, each two context switches and a lock handoff on the event
 * loop's core, and as many socket writes; 256 KiB took 8 and served segments ~1.5×
 * faster in the origin benchmark; 1 MiB takes 2, which served them another 1.4× faster
 * (alternated A/B on one core: 706–829 -> 1,080–1,197 req/s, CPU per segment 1.2-1.4 ->
 * 0.83-0.92 ms; 2 MiB measured the same as 1 MiB), at 1 MiB of read-ahead per open stream.
 */
const readChunkBytes = 1024 * 1024;

/** Sidecars kept in memory (a few hundred bytes each). */
const SIDECAR_CACHE_SIZE = 10_000;

/** Each read allocates its whole buffer: a small file gets one of its own size (a 1 KB playlist, not 256 KiB). */
const readSize = (bytes: number) => Math.max(1, Math.min(readChunkBytes, bytes));

/**
 * Objects up to this size are read whole when opened. Opening, stat and small reads are
 * blocking calls here, as nginx makes them without aio: on a local file whose pages are
 * cached each costs a few microseconds, where a thread-pool round trip costs the event
 * loop more than the work (a 1 KB playlist took four). Their bytes are handed over as
 * `bytes` too, so a server writes them in one go instead of piping a stream (1 KB
 * playlists from the origin: 6.8-9.8k -> 11.1-12.6k req/s in a same-session A/B). Bigger
 * bodies stream from the descriptor in thread-pool reads.
 */
export const SMALL_OBJECT_BYTES = 64 * 1024;

/** Temp files older than this are leftovers of a crash (a live write keeps its mtime fresh). */
const staleTempMs = 24 * 60 * 60 * 1000;

interface OpenedBlob {
  /** An open descriptor of the data file, for the caller to close. */
  readonly fd: number;
  readonly info: BlobInfo;
}

export class LocalBlobStore implements BlobStore {
  readonly local = true;
  /** The absolute root directory. */
  readonly root: string;
  readonly #dataDir: string;
  readonly #metaDir: string;
  readonly #tmpDir: string;
  // Serialises a put's two renames against readers repairing a sidecar and against
  // deletes of the same key, so neither sees the other half-done (within this process).
  readonly #locks = new KeyLocks();
  /**
   * Sidecars read lately, by key. One is used only while it still describes the data file
   * just opened (inode, size, mtime), exactly the check a sidecar read from disk must pass,
   * so a put (a new file) makes it miss; it saves a read, hence four thread-pool hops, per get.
   */
  readonly #sidecars = new Map<string, Sidecar>();
  #ready: Promise<void> | undefined;

  constructor(options: LocalBlobStoreOptions) {
    this.root = resolve(options.dir);
    this.#dataDir = join(this.root, 'objects');
    this.#metaDir = join(this.root, 'meta');
    this.#tmpDir = join(this.root, 'tmp');
  }

  async put(key: string, body: Readable | Buffer | Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    assertValidKey(key);
    await this.#ensureReady();
    const dataPath = this.#dataPath(key);
    const tempPath = this.#tempPath('data');
    try {
      const etag = etagOf(await writeHashing(tempPath, body));
      const stats = await stat(tempPath, { bigint: true });
      const sidecar = sidecarFor(key, stats, etag, options.contentType ?? defaultContentType);
      const metaPath = sidecarPath(this.#metaDir, key);
      await this.#locks.run(key, async () => {
        // Sidecar first: a new key never shows without one, and on an overwrite readers
        // see a sidecar naming another file until the data lands, which they wait out.
        await makeFolderFor(key, dataPath);
        await writeSidecar(metaPath, sidecar, this.#tempPath('meta'));
        try {
          await renameIntoPlace(key, tempPath, dataPath);
        } catch (error) {
          await rm(metaPath, { force: true });
          throw error;
        }
      });
      return infoFrom(sidecar, stats);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobRead> {
    assertValidKey(key);
    if (options.range) assertWellFormedRange(options.range);
    await this.#ensureReady();
    const opened = await this.#openVersion(key);
    if (!opened) throw new BlobNotFoundError(key);
    const { fd, info } = opened;
    let range: { start: number; end: number } | undefined;
    if (options.range) {
      const { start } = options.range;
      if (start >= info.size) {
        closeSync(fd);
        throw new BlobRangeNotSatisfiableError(key, start, info.size);
      }
      range = { start, end: Math.min(options.range.end ?? Number.POSITIVE_INFINITY, info.size - 1) };
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    if (info.size <= SMALL_OBJECT_BYTES) return inMemoryRead(readWhole(fd, start, end), info, range);
    const body = createReadStream('', { fd, start, end, highWaterMark: readSize(end - start + 1) });
    return range ? { body, info, range, ownChunks: true } : { body, info, ownChunks: true };
  }

  async head(key: string): Promise<BlobInfo | null> {
    assertValidKey(key);
    await this.#ensureReady();
    const opened = await this.#openVersion(key);
    if (!opened) return null;
    closeSync(opened.fd);
    return opened.info;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.#ensureReady();
    this.#sidecars.delete(key);
    await this.#locks.run(key, async () => {
      try {
        await unlink(this.#dataPath(key));
      } catch (error) {
        // EISDIR/ENOTDIR: the key names a folder or lies under a file, so no object.
        if (!isFsError(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) throw error;
      }
      await rm(sidecarPath(this.#metaDir, key), { force: true });
      await removeEmptyFolders(this.#dataDir, key);
    });
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidBlobKeyError(prefix, 'deletePrefix needs a non-empty prefix');
    assertValidPrefix(prefix);
    await this.#ensureReady();
    let batch: Promise<void>[] = [];
    for await (const key of walkKeys(this.#dataDir, prefix)) {
      batch.push(this.delete(key));
      if (batch.length === 32) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<BlobPage> {
    assertValidPrefix(prefix);
    const limit = listLimit(options.limit);
    await this.#ensureReady();
    const keys: BlobInfo[] = [];
    for await (const key of walkKeys(this.#dataDir, prefix, options.cursor)) {
      if (keys.length === limit) return { keys, nextCursor: keys[limit - 1]!.key };
      const opened = await this.#openVersion(key);
      if (!opened) continue; // deleted since the folder was read
      closeSync(opened.fd);
      // S3 lists no content types; leaving them out here too keeps callers honest.
      const { contentType: _omitted, ...info } = opened.info;
      keys.push(info);
    }
    return { keys };
  }

  localPath(key: string): string {
    assertValidKey(key);
    return this.#dataPath(key);
  }

  async ping(): Promise<void> {
    await this.#ensureReady();
    const probe = this.#tempPath('ping');
    await writeFile(probe, 'ok', { flag: 'wx' });
    await unlink(probe);
  }

  async close(): Promise<void> {
    // Nothing is held between calls; open read streams close with their consumers.
  }

  /**
   * Opens the data file of `key` with the metadata that describes it, or null when no
   * object is there. A sidecar naming another file means a put of this key is between
   * its renames, or a crash or power cut cost the sidecar: wait for any put in this
   * process to finish, then look again, and if still unmatched, rehash the bytes.
   */
  async #openVersion(key: string): Promise<OpenedBlob | null> {
    const first = this.#openData(key);
    if (!first) return null;
    const known = this.#sidecars.get(key);
    if (known && describes(known, key, first.stats)) return { fd: first.fd, info: infoFrom(known, first.stats) };
    const sidecar = await readSidecar(sidecarPath(this.#metaDir, key)).catch((error: unknown) => {
      closeSync(first.fd);
      throw error;
    });
    if (sidecar && describes(sidecar, key, first.stats)) {
      this.#remember(key, sidecar);
      return { fd: first.fd, info: infoFrom(sidecar, first.stats) };
    }
    closeSync(first.fd);
    return this.#locks.run(key, async () => {
      const again = this.#openData(key);
      if (!again) return null;
      try {
        const metaPath = sidecarPath(this.#metaDir, key);
        const current = await readSidecar(metaPath);
        if (current && describes(current, key, again.stats)) return { fd: again.fd, info: infoFrom(current, again.stats) };
        // The content type is a best guess here: the sidecar's, which is usually right.
        const repaired = sidecarFor(key, again.stats, etagOf(await hashOpenFile(again.fd)), current?.contentType);
        await writeSidecar(metaPath, repaired, this.#tempPath('meta'));
        return { fd: again.fd, info: infoFrom(repaired, again.stats) };
      } catch (error) {
        closeSync(again.fd);
        throw error;
      }
    });
  }

  #remember(key: string, sidecar: Sidecar): void {
    this.#sidecars.delete(key);
    // Oldest first out (Map keeps insertion order).
    if (this.#sidecars.size >= SIDECAR_CACHE_SIZE) this.#sidecars.delete(this.#sidecars.keys().next().value!);
    this.#sidecars.set(key, sidecar);
  }

  #openData(key: string): { fd: number; stats: BigIntStats } | null {
    let fd: number;
    try {
      fd = openSync(this.#dataPath(key), 'r');
    } catch (error) {
      if (isFsError(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw error;
    }
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (stats.isFile()) return { fd, stats };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    closeSync(fd);
    return null; // a folder of other keys, not an object
  }

  #dataPath(key: string): string {
    const path = join(this.#dataDir, ...key.split('/'));
    // Key rules already forbid '..'; this guards the invariant itself.
    if (!path.startsWith(this.#dataDir + sep)) throw new InvalidBlobKeyError(key, 'escapes the store root');
    return path;
  }

  #tempPath(kind: string): string {
    return join(this.#tmpDir, `${randomUUID()}.${kind}`);
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= this.#prepare().catch((error: unknown) => {
      this.#ready = undefined; // let the next call try again (e.g. a disk remounted)
      throw error;
    });
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    await Promise.all([this.#dataDir, this.#metaDir, this.#tmpDir].map((dir) => mkdir(dir, { recursive: true })));
    const now = Date.now();
    for (const name of await readdir(this.#tmpDir)) {
      const path = join(this.#tmpDir, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats && now - stats.mtimeMs > staleTempMs) await rm(path, { force: true, recursive: true });
    }
  }
}

/** A read of bytes already in memory: `bytes` as they are, and `body` as a stream only if someone asks. */
function inMemoryRead(bytes: Buffer, info: BlobInfo, range: { start: number; end: number } | undefined): BlobRead {
  let body: Readable | undefined;
  return {
    bytes,
    info,
    ...(range ? { range } : {}),
    get body() {
      return (body ??= Readable.from([bytes], { objectMode: false }));
    },
  };
}

/** Bytes `start..end` (inclusive) of a small open file, read at once; closes the descriptor. */
function readWhole(fd: number, start: number, end: number): Buffer {
  try {
    const buffer = Buffer.allocUnsafe(end - start + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, start + filled);
      if (n === 0) break; // truncated under us: serve what is there rather than garbage
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
