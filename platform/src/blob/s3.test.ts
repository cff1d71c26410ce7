/**
 * The S3 store against the shared contract on s3rver (a fake S3 speaking the real wire
 * protocol, started in-process on a free port), plus what only S3 shows: streams past
 * one part go up as multipart, the bucket is created only when asked, and the store is
 * not local.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runContract } from './contract.case.ts';
import { generatedStream, sha256Of } from './contract-streams.ts';
import { createBlobStore, S3BlobStore, type S3BlobStoreOptions } from './index.ts';
import { s3rverCredentials, startS3rver, type RunningS3rver } from './s3-test-server.ts';

let server: RunningS3rver;
let buckets = 0;
const options = (overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions => ({
  endpoint: server.endpoint,
  region: 'us-east-1',
  bucket: `test-${++buckets}`,
  forcePathStyle: true,
  createBucketIfMissing: true,
  ...s3rverCredentials,
  ...overrides,
});

before(async () => {
  server = await startS3rver();
});
after(async () => {
  await server.close();
});

describe('s3 blob store contract', () => {
  runContract({
    create: async () => new S3BlobStore(options()),
    skip: [
      {
        reason: 's3rver lists depth-first through its folders, so x/… comes before x-y; real S3 orders by bytes',
        tests: ['list orders keys by their bytes, whatever folders they sit in'],
      },
    ],
  });
});

describe('s3 blob store', () => {
  test('is what createBlobStore picks for s3 options, and is not local', async () => {
    const store = createBlobStore({ s3: options() });
    assert.ok(store instanceof S3BlobStore);
    assert.equal(store.local, false);
    assert.equal(store.localPath('videos/v1/source'), undefined);
    await store.ping();
    await store.close();
  });

  test('a stream larger than one part goes up as a multipart upload', async () => {
    const store = new S3BlobStore(options({ partSize: 5 * 1024 * 1024 }));
    const source = generatedStream(12 * 1024 * 1024);
    await store.put('videos/v1/source', source.stream);
    await store.put('videos/v1/small', generatedStream(1024).stream);
    const events = server.events.filter((e) => e.bucket === store.bucket).map((e) => `${e.name} ${e.key}`);
    assert.deepEqual(events, ['ObjectCreated:Post videos/v1/source', 'ObjectCreated:Put videos/v1/small']);
    assert.equal(await sha256Of((await store.get('videos/v1/source')).body), source.digest());
    await store.close();
  });

  test('without createBucketIfMissing a missing bucket is not created and ping fails', async () => {
    const store = new S3BlobStore(options({ createBucketIfMissing: false }));
    await assert.rejects(store.ping());
    await assert.rejects(store.put('k', Buffer.from('x')));
    await store.close();
    const creating = new S3BlobStore(options({ bucket: store.bucket }));
    await creating.ping();
    await creating.put('k', Buffer.from('x'));
    assert.equal((await creating.head('k'))?.size, 1);
    await creating.close();
  });

  test('ping rejects when the server cannot be reached', async () => {
    const store = new S3BlobStore(options({ endpoint: 'http://127.0.0.1:1', createBucketIfMissing: false }));
    await assert.rejects(store.ping());
    await store.close();
  });

  test('refuses a part size below S3’s 5 MiB minimum', () => {
    assert.throws(() => new S3BlobStore(options({ partSize: 1024 })), RangeError);
  });
});
