/**
 * The blob seam: named byte objects too big or too many for the database — video
 * sources (multi-GB), HLS segments and playlists (many small files), encrypted chat
 * attachments. Two implementations: a local directory for one machine, and an
 * S3-compatible object store when several machines must see the same objects.
 *
 * Everything streams: a body is read and written as a Readable, so a multi-GB object
 * never sits whole in memory. Keys are `/`-separated relative paths (see `keys.ts` for
 * the rules: no leading `/`, no empty, `.` or `..` segments, no backslash, no NUL, at
 * most 1024 UTF-8 bytes); a key breaking them is refused with `InvalidBlobKeyError`.
 * Callers must not store a key that is also the folder of another key ('a' beside
 * 'a/b'): S3 allows it, a directory cannot hold it, so the local store refuses it.
 */
import type { Readable } from 'node:stream';

/** What a store knows about one object. */
export interface BlobInfo {
  readonly key: string;
  /** Length of the whole object in bytes. */
  readonly size: number;
  /**
   * A strong entity tag in HTTP form, double quotes included (`"…"`), ready for an
   * `ETag` header. Equal etags mean equal bytes; overwriting with other bytes changes it.
   */
  readonly etag: string;
  /**
   * When the object was last written, as the store recorded it (S3 keeps whole seconds).
   * In what S3's `put` returns it is this node's clock, as PutObject reports no time.
   */
  readonly lastModified: Date;
  /**
   * The media type given to `put` (`application/octet-stream` when none was). Always
   * set by `put`, `head` and `get`; never by `list`, as S3 listings do not carry it.
   */
  readonly contentType?: string;
}

/** Options for {@link BlobStore.put}. */
export interface PutOptions {
  /** Media type stored with the object and returned by `head`/`get` (e.g. `video/mp4`); default `application/octet-stream`. */
  readonly contentType?: string;
}

/** Options for {@link BlobStore.get}. */
export interface GetOptions {
  /**
   * Only these bytes, like an HTTP Range `bytes=start-end`: `end` is inclusive and may
   * run past the object (it is clipped); without `end` the rest of the object. A start at
   * or after the size is refused with `BlobRangeNotSatisfiableError`. A malformed range
   * (negative, fractional, end before start) is a caller bug: `RangeError`.
   */
  readonly range?: { readonly start: number; readonly end?: number };
}

/** What {@link BlobStore.get} resolves to. */
export interface BlobRead {
  /** The requested bytes. The caller must consume or destroy it to release the file or socket. */
  readonly body: Readable;
  /**
   * The same bytes already in memory, when the store read them whole (a local object of at
   * most 64 KiB): a caller that can send a Buffer sends these and never touches `body`,
   * which is then not made; nothing is left to release.
   */
  readonly bytes?: Buffer;
  /** The whole object's info (its `size` is the full length, not the range's). */
  readonly info: BlobInfo;
  /** The bytes actually sent (inclusive, clipped to the object) when a range was asked for. */
  readonly range?: { readonly start: number; readonly end: number };
  /**
   * True when each chunk of `body` is a buffer of its own that nothing else holds (a local
   * file's reads), which a consumer may free once done with it ({@link freeChunk}).
   */
  readonly ownChunks?: boolean;
}

/** Options for {@link BlobStore.list}. */
export interface ListOptions {
  /** `nextCursor` of the previous page; opaque, pass it back as is. */
  readonly cursor?: string;
  /** Most keys in one page: 1 to 1000, default 1000. */
  readonly limit?: number;
}

/** One page of {@link BlobStore.list}. */
export interface BlobPage {
  /** Objects in ascending order of their keys' UTF-8 bytes. */
  readonly keys: BlobInfo[];
  /** Present when more keys may follow; absent on the last page. */
  readonly nextCursor?: string;
}

export interface BlobStore {
  /**
   * True when objects are files on this machine: `localPath` gives their path, and
   * processes on other machines cannot see them. False for S3.
   */
  readonly local: boolean;

  /**
   * Stores `body` under `key`, replacing any object there, and resolves once it is
   * stored. Atomic: readers see the old object or the whole new one, never a part. A
   * Readable body is streamed (S3: multipart beyond one part); if it errors, `put`
   * rejects with that error and nothing new is visible under the key.
   */
  put(key: string, body: Readable | Buffer | Uint8Array, options?: PutOptions): Promise<BlobInfo>;

  /**
   * Opens the object (or a byte range of it) for streaming. Rejects with
   * `BlobNotFoundError` for an unknown key and `BlobRangeNotSatisfiableError` (carrying
   * the size) for a range starting at or after the end. The body and info belong to one
   * version of the object even if it is overwritten while being read.
   */
  get(key: string, options?: GetOptions): Promise<BlobRead>;

  /** The object's info, or null when no object is stored under the key. */
  head(key: string): Promise<BlobInfo | null>;

  /** Removes the object; removing a missing one is not an error (idempotent). */
  delete(key: string): Promise<void>;

  /**
   * Removes every object whose key starts with `prefix` — a plain string prefix, so pass
   * `videos/123/` (with the slash) to remove one video's outputs and not `videos/1234/`.
   * An empty prefix is refused with `InvalidBlobKeyError`, so no slip empties the store.
   */
  deletePrefix(prefix: string): Promise<void>;

  /**
   * One page of the objects whose keys start with `prefix` ('' for all), in key order.
   * Follow `nextCursor` for the next page; objects written meanwhile may or may not show.
   */
  list(prefix: string, options?: ListOptions): Promise<BlobPage>;

  /**
   * The absolute path of the file holding the object's bytes on a local store (whether
   * or not it exists yet), for tools that want a path, such as ffmpeg reading a source;
   * undefined on stores that are not `local`. Read it only: writing there bypasses `put`.
   */
  localPath(key: string): string | undefined;

  /** Resolves when the store can be written (local: root writable; S3: the bucket answers). */
  ping(): Promise<void>;

  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
