/**
 * The typed failures of the blob seam. They are engine-level errors, not HTTP ones: the
 * feature that serves a blob (the video origin, the attachment route) decides what a
 * missing object or an unsatisfiable range means to its clients. Each carries a stable
 * `code` so callers can branch on it without `instanceof` across package copies.
 */

/** No object is stored under the key (or it was deleted). */
export class BlobNotFoundError extends Error {
  readonly code = 'blob_not_found';
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`no blob stored under ${JSON.stringify(key)}`, options);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/**
 * The requested range starts at or after the end of the object (HTTP 416). `size` is the
 * object's length, so a server can answer `Content-Range: bytes *\/size`.
 */
export class BlobRangeNotSatisfiableError extends Error {
  readonly code = 'blob_range_not_satisfiable';
  readonly key: string;
  readonly size: number;

  constructor(key: string, start: number, size: number) {
    super(`range starting at byte ${start} is outside ${JSON.stringify(key)} (${size} bytes)`);
    this.name = 'BlobRangeNotSatisfiableError';
    this.key = key;
    this.size = size;
  }
}

/** The key (or prefix) breaks the key rules, or cannot be stored by this engine. */
export class InvalidBlobKeyError extends Error {
  readonly code = 'invalid_blob_key';
  readonly key: string;

  constructor(key: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`, options);
    this.name = 'InvalidBlobKeyError';
    this.key = key;
  }
}
