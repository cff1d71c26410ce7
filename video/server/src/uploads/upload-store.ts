/**
 * The tus datastore follows the blob seam, so an upload's bytes land where the video's
 * source lives (`videos/<id>/source`, the tus upload id) and completing an upload copies
 * nothing. On the local blob store it is @tus/file-store writing straight into the store's
 * object file (what `localPath` names), with tus's per-upload JSON in DATA_DIR/uploads;
 * the local store accepts a file it did not write itself (it hashes it for an etag on
 * first read). On S3 it is @tus/s3-store on the same bucket, endpoint and credentials as
 * the blob store: one multipart upload per tus upload, completed into the source object,
 * with its `.info` (and, between PATCHes shorter than a part, `.part`) objects beside it.
 * Both keep their state outside the process, so an upload resumes after a restart, on
 * any API node for S3.
 */
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { ERRORS, type DataStore } from '@tus/server';
import type { Platform } from '@twin/platform';
import { DurableWriteStream } from '@twin/platform/blob';
import type { VideoId } from '../ids.ts';
import { sourceKey } from './upload-ids.ts';
import { UploadInfoStore } from './upload-info-store.ts';

export interface UploadStore {
  readonly datastore: DataStore;
  /** Drops tus's record of a finished upload; its bytes stay, as the source blob. */
  forget(uploadId: string): Promise<void>;
  /** Removes an unfinished upload, bytes and record; a missing one is not an error. */
  discard(uploadId: string): Promise<void>;
}

export function createUploadStore(platform: Platform, expiryMs: number): UploadStore {
  return platform.blob.local ? localUploadStore(platform, expiryMs) : s3UploadStore(platform, expiryMs);
}

function localUploadStore(platform: Platform, expiryMs: number): UploadStore {
  // FileStore writes to join(directory, id); make that the blob store's own path of the key.
  const probe = sourceKey('0' as VideoId);
  const probePath = platform.blob.localPath(probe);
  const directory = probePath?.slice(0, probePath.length - probe.length - 1);
  if (!probePath || !directory || join(directory, probe) !== probePath) throw new Error('the local blob store does not lay out keys as paths');
  const info = new UploadInfoStore(join(platform.config.dataDir, 'uploads'));
  const datastore = new SourceFileStore({ directory, configstore: info, expirationPeriodInMilliseconds: expiryMs });
  return {
    datastore,
    forget: (uploadId) => info.delete(uploadId),
    discard: (uploadId) => datastore.remove(uploadId).catch(() => info.delete(uploadId)),
  };
}

/**
 * FileStore answering a PATCH only once its bytes are on the disk, as the blob store's own
 * puts are: the offset a client is told is one it may forget its copy up to, so it must
 * survive a power cut. The write stream syncs as the bytes arrive (see DurableWriteStream)
 * and writes them in large pieces: FileStore's own stream keeps 16 KiB, so each 64 KiB
 * from the socket was one thread-pool write after another. The chunks are the request's
 * own socket reads, passed by reference from the body (tus-bridge.ts) through tus to here
 * and held by no one else, so each is freed as soon as it is written.
 */
class SourceFileStore extends FileStore {
  override async write(readable: Readable, uploadId: string, offset: number): Promise<number> {
    const path = join(this.directory, uploadId);
    if (relative(this.directory, path).startsWith('..')) throw ERRORS.FILE_NOT_FOUND;
    const file = new DurableWriteStream(path, { flags: 'r+', start: offset, chunksHandedOver: true });
    try {
      await pipeline(readable, file);
    } catch {
      throw ERRORS.FILE_WRITE_ERROR;
    }
    return offset + file.bytesWritten;
  }
}

/** S3Store that also removes the incomplete part on termination and can forget a finished upload. */
class SourceS3Store extends S3Store {
  override async remove(id: string): Promise<void> {
    await this.deleteIncompletePart(id).catch(() => undefined);
    await super.remove(id);
  }

  async forget(id: string): Promise<void> {
    await this.client.deleteObject({ Bucket: this.bucket, Key: this.infoKey(id) });
    await this.clearCache(id);
  }
}

function s3UploadStore(platform: Platform, expiryMs: number): UploadStore {
  const s3 = platform.config.s3;
  if (!s3) throw new Error('the blob store is not local, yet no S3 is configured');
  const datastore = new SourceS3Store({
    s3ClientConfig: {
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
      // As the blob store: no CRC32 trailers (aws-chunked bodies), which many S3-compatible servers refuse.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    partSize: 8 * 1024 * 1024,
    expirationPeriodInMilliseconds: expiryMs,
    // Expiry is ours (tus cleanUpExpiredUploads), not a bucket lifecycle rule on tags.
    useTags: false,
  });
  return {
    datastore,
    forget: (uploadId) => datastore.forget(uploadId),
    discard: (uploadId) => datastore.remove(uploadId).catch(() => undefined),
  };
}
