/**
 * Starts s3rver — a fake S3 that speaks the real wire protocol — in this process for
 * the S3 tests: bound to 127.0.0.1 on a free port, storing into a fresh temp directory
 * that `close` removes. No S3-compatible server is packaged in Debian; this is the
 * outside service the design allows a stand-in for. Test-only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyLocks } from './key-locks.ts';
import { addMultipartListing, type S3rverInternals } from './s3rver-multipart.ts';

/** The part of s3rver's API used here (it ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

/** An S3 event notification as s3rver emits it. */
interface S3rverEvent {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
}

/** One write s3rver saw: `ObjectCreated:Put` (PutObject) or `ObjectCreated:Post` (CompleteMultipartUpload). */
export interface ObjectEvent {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets?: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver's fixed credentials; it checks signatures made with them. */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Every object write and delete so far, oldest first. */
  readonly events: readonly ObjectEvent[];
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/** Starts s3rver with `buckets` already created. */
export async function startS3rver(buckets: string[] = []): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  // Resumable uploads (@tus/s3-store) list and abort multipart uploads, which s3rver lacks.
  addMultipartListing(server as unknown as S3rverInternals);
  serializeObjectWrites(server as unknown as { store: ObjectStore });
  const events: ObjectEvent[] = [];
  server.on('event', ({ Records }) => {
    for (const r of Records) events.push({ name: r.eventName, bucket: r.s3.bucket.name, key: r.s3.object.key });
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    events,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The write of s3rver's filesystem store that `serializeObjectWrites` wraps. */
interface ObjectStore {
  putObject(object: { bucket: string; key: string }): Promise<unknown>;
}

/**
 * S3 replaces an object atomically. s3rver writes the object's file and then its metadata
 * in place, so two concurrent puts of one key could leave one put's bytes under the
 * other's etag (seen once in a CI run of the blob contract's concurrent-puts case). Here
 * the writes of one key take turns, as they appear to on S3; other keys still overlap.
 */
function serializeObjectWrites(server: { store: ObjectStore }): void {
  const locks = new KeyLocks();
  const putObject = server.store.putObject.bind(server.store);
  server.store.putObject = (object) => locks.run(`${object.bucket}/${object.key}`, () => putObject(object));
}
