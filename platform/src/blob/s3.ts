/**
 * The scale-out blob store: one bucket of an S3-compatible object store, shared by every
 * node. Buffers go up in one PutObject; streams go through `@aws-sdk/lib-storage`'s
 * Upload, which sends one PutObject when the stream fits in a part and a multipart
 * upload otherwise, holding at most `queueSize × partSize` bytes in memory. S3 makes an
 * object visible only once its PutObject or CompleteMultipartUpload succeeds, which is
 * the atomicity the seam promises; a failed multipart upload is aborted.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, BlobRangeNotSatisfiableError, InvalidBlobKeyError } from './errors.ts';
import type { BlobInfo, BlobPage, BlobRead, BlobStore, GetOptions, ListOptions, PutOptions } from './interface.ts';
import { assertValidKey, assertValidPrefix, assertWellFormedRange, defaultContentType, listLimit } from './keys.ts';

export interface S3BlobStoreOptions {
  /** Endpoint URL of an S3-compatible server; unset → AWS S3 of `region`. */
  readonly endpoint?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  readonly bucket: string;
  /** Static credentials; unset → the AWS SDK's default credential chain. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`), needed by most self-hosted servers. */
  readonly forcePathStyle?: boolean;
  /** Create the bucket on first use when it does not exist (dev and tests; off in production). */
  readonly createBucketIfMissing?: boolean;
  /** Bytes per multipart part for streamed puts; default 8 MiB, at least 5 MiB (S3's minimum). */
  readonly partSize?: number;
  /** Parts uploaded in parallel for one streamed put; default 4. */
  readonly queueSize?: number;
}

export class S3BlobStore implements BlobStore {
  readonly local = false;
  readonly bucket: string;
  readonly #client: S3Client;
  readonly #options: S3BlobStoreOptions;
  #bucketReady: Promise<void> | undefined;

  constructor(options: S3BlobStoreOptions) {
    if (options.partSize !== undefined && options.partSize < 5 * 1024 * 1024) throw new RangeError('partSize must be at least 5 MiB');
    this.#options = options;
    this.bucket = options.bucket;
    this.#client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // The SDK's default CRC32 trailers (aws-chunked bodies) are not understood by many
      // S3-compatible servers; checksums only where the API requires them (DeleteObjects).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // An unreachable endpoint fails ping (/readyz) in seconds, not at the OS's TCP
      // timeout. No idle timeout: a body streamed to a slow client may pause for long.
      requestHandler: { connectionTimeout: 5_000 },
    });
  }

  async put(key: string, body: Readable | Buffer | Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    assertValidKey(key);
    await this.#ensureBucket();
    const contentType = options.contentType ?? defaultContentType;
    if (body instanceof Uint8Array) {
      const out = await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.byteLength }),
      );
      return { key, size: body.byteLength, etag: out.ETag ?? '', lastModified: new Date(), contentType };
    }
    return this.#putStream(key, body, contentType);
  }

  async #putStream(key: string, body: Readable, contentType: string): Promise<BlobInfo> {
    let size = 0;
    let sourceError: unknown;
    // Heard before Upload sees the stream fail, so the caller gets the source's own
    // error rather than whatever aborting the upload then reports.
    body.once('error', (error) => (sourceError ??= error));
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    const piping = pipeline(body, counting).catch(() => {});
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: key, Body: counting, ContentType: contentType },
      partSize: this.#options.partSize ?? 8 * 1024 * 1024,
      queueSize: this.#options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    try {
      const out = await upload.done();
      await piping;
      return { key, size, etag: out.ETag ?? '', lastModified: new Date(), contentType };
    } catch (error) {
      const cause = sourceError ?? error;
      counting.destroy(); // releases the source if the upload failed first
      await piping;
      throw cause;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobRead> {
    assertValidKey(key);
    const { range } = options;
    if (range) assertWellFormedRange(range);
    await this.#ensureBucket();
    let out;
    try {
      out = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key, { cause: error });
      if (range && statusOf(error) === 416) {
        // The 416 body's size is not modelled by the SDK; ask for it.
        const info = await this.head(key);
        if (!info) throw new BlobNotFoundError(key, { cause: error });
        throw new BlobRangeNotSatisfiableError(key, range.start, info.size);
      }
      throw error;
    }
    const body = (out.Body as Readable | undefined) ?? Readable.from([]);
    const sent = parseContentRange(out.ContentRange);
    if (range && sent && range.start >= sent.size) {
      // S3 answers 416 here; some compatible servers send a bogus 206 for an empty object.
      body.destroy();
      throw new BlobRangeNotSatisfiableError(key, range.start, sent.size);
    }
    const info: BlobInfo = {
      key,
      size: sent?.size ?? out.ContentLength ?? 0,
      etag: out.ETag ?? '',
      lastModified: out.LastModified ?? new Date(0),
      contentType: out.ContentType ?? defaultContentType,
    };
    if (!range) return { body, info };
    return { body, info, range: sent ? { start: sent.start, end: sent.end } : { start: 0, end: info.size - 1 } };
  }

  async head(key: string): Promise<BlobInfo | null> {
    assertValidKey(key);
    await this.#ensureBucket();
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        lastModified: out.LastModified ?? new Date(0),
        contentType: out.ContentType ?? defaultContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.#ensureBucket();
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidBlobKeyError(prefix, 'deletePrefix needs a non-empty prefix');
    assertValidPrefix(prefix);
    await this.#ensureBucket();
    let after: string | undefined;
    for (;;) {
      const page = await this.#listPage(prefix, 1000, after);
      const keys = page.Contents?.flatMap((o) => (o.Key ? [o.Key] : [])) ?? [];
      if (keys.length > 0) {
        const out = await this.#client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = out.Errors?.[0];
        if (failed) throw new Error(`could not delete ${failed.Key}: ${failed.Code} ${failed.Message}`);
      }
      if (!page.IsTruncated || keys.length === 0) return;
      after = keys.at(-1);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<BlobPage> {
    assertValidPrefix(prefix);
    const limit = listLimit(options.limit);
    await this.#ensureBucket();
    const page = await this.#listPage(prefix, limit, options.cursor);
    const keys = (page.Contents ?? []).map(toInfo);
    const last = keys.at(-1);
    return page.IsTruncated && last ? { keys, nextCursor: last.key } : { keys };
  }

  localPath(key: string): undefined {
    assertValidKey(key);
    return undefined;
  }

  async ping(): Promise<void> {
    await this.#ensureBucket();
    await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  // The cursor is the last key of the previous page: it stays valid however the objects
  // before it change. ListObjects (v1) takes it as `Marker`, which every S3-compatible
  // server implements; v2's opaque continuation tokens add nothing here (and s3rver
  // mints them with DES, which OpenSSL 3 no longer offers).
  #listPage(prefix: string, limit: number, after: string | undefined) {
    return this.#client.send(
      new ListObjectsCommand({
        Bucket: this.bucket,
        MaxKeys: limit,
        ...(prefix ? { Prefix: prefix } : {}),
        ...(after ? { Marker: after } : {}),
      }),
    );
  }

  #ensureBucket(): Promise<void> {
    if (!this.#options.createBucketIfMissing) return Promise.resolve();
    this.#bucketReady ??= this.#createBucketIfMissing().catch((error: unknown) => {
      this.#bucketReady = undefined;
      throw error;
    });
    return this.#bucketReady;
  }

  async #createBucketIfMissing(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.#client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // Another node created it first.
      if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }
}

function toInfo(object: _Object): BlobInfo {
  return { key: object.Key ?? '', size: object.Size ?? 0, etag: object.ETag ?? '', lastModified: object.LastModified ?? new Date(0) };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** A 404 about the object (or, from HeadBucket, the bucket); a missing bucket on an object call is not one. */
function isNotFound(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** `bytes 0-99/1234` → its parts; undefined when absent or malformed. */
function parseContentRange(header: string | undefined): { start: number; end: number; size: number } | undefined {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), size: Number(match[3]) };
}
