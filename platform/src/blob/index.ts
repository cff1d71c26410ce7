/**
 * @module @twin/platform/blob
 * The blob seam: a local directory by default, an S3-compatible bucket when `S3_ENDPOINT`
 * and `S3_BUCKET` are set, so every node sees the same uploads, segments and attachments.
 */
import type { BlobStore } from './interface.ts';
import { LocalBlobStore } from './local.ts';
import { S3BlobStore, type S3BlobStoreOptions } from './s3.ts';

export type { BlobInfo, BlobPage, BlobRead, BlobStore, GetOptions, ListOptions, PutOptions } from './interface.ts';
export { BlobNotFoundError, BlobRangeNotSatisfiableError, InvalidBlobKeyError } from './errors.ts';
export { defaultContentType } from './keys.ts';
export { DurableWriteStream, freeChunk, type DurableWriteOptions } from './durable-write-stream.ts';
export { LocalBlobStore, SMALL_OBJECT_BYTES, type LocalBlobStoreOptions } from './local.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3.ts';

/** Which store to open: a directory on this machine, or a bucket (see S3BlobStoreOptions). */
export type BlobStoreConfig = { readonly dir: string } | { readonly s3: S3BlobStoreOptions };

/** S3 when `s3` is given, else the local directory `dir` (created on first use). */
export function createBlobStore(config: BlobStoreConfig): BlobStore {
  return 's3' in config ? new S3BlobStore(config.s3) : new LocalBlobStore({ dir: config.dir });
}
