/**
 * The local store against the shared contract, plus what only it shows: objects are
 * plain files under the root (and never outside it), the etag is the bytes' SHA-256 and
 * survives a lost or stale sidecar, a key cannot also be a folder, and failed writes,
 * deletes and crashes leave no litter.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { runContract } from './contract.case.ts';
import { generatedStream } from './contract-streams.ts';
import { InvalidBlobKeyError } from './errors.ts';
import { createBlobStore, LocalBlobStore } from './index.ts';

let scratch: string;
let stores = 0;
const newRoot = () => join(scratch, `store-${++stores}`);

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'blob-local-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('local blob store contract', () => {
  runContract({ create: async () => new LocalBlobStore({ dir: newRoot() }) });
});

describe('local blob store', () => {
  const sha256 = (data: string) => `"${createHash('sha256').update(data).digest('hex')}"`;

  test('is what createBlobStore picks for a dir, creating the root on first use', async () => {
    const dir = join(newRoot(), 'nested', 'deeper');
    const store = createBlobStore({ dir });
    assert.ok(store instanceof LocalBlobStore);
    assert.equal(store.local, true);
    await store.ping();
    assert.deepEqual((await readdir(dir)).sort(), ['meta', 'objects', 'tmp']);
    await store.close();
  });

  test('keeps each object as a plain file at localPath, with the SHA-256 of its bytes as etag', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    const info = await store.put('videos/v1/hls/seg-1.m4s', Buffer.from('segment'));
    const path = store.localPath('videos/v1/hls/seg-1.m4s');
    assert.equal(path, join(store.root, 'objects', 'videos', 'v1', 'hls', 'seg-1.m4s'));
    assert.equal(await readFile(path, 'utf8'), 'segment');
    assert.equal(info.etag, sha256('segment'));
    assert.throws(() => store.localPath('../escape'), InvalidBlobKeyError);
  });


  test('a small object is read whole into bytes (its body streams the same), a large one only streams', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    await store.put('small', Buffer.from('#EXTM3U\nplaylist'));
    const whole = await store.get('small');
    assert.equal(whole.bytes?.toString(), '#EXTM3U\nplaylist');
    assert.equal(await text(whole.body), '#EXTM3U\nplaylist');
    const ranged = await store.get('small', { range: { start: 1, end: 6 } });
    assert.equal(ranged.bytes?.toString(), 'EXTM3U');
    assert.deepEqual(ranged.range, { start: 1, end: 6 });

    await store.put('large', Buffer.alloc(64 * 1024 + 1, 'x'));
    const large = await store.get('large');
    assert.equal(large.bytes, undefined);
    assert.equal((await text(large.body)).length, 64 * 1024 + 1);
  });
  test('a key cannot be both an object and the folder of other keys, and the first is kept', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    await store.put('v/source', Buffer.from('file'));
    await assert.rejects(store.put('v/source/seg', Buffer.from('x')), InvalidBlobKeyError);
    await store.put('w/hls/seg', Buffer.from('seg'));
    await assert.rejects(store.put('w/hls', Buffer.from('x')), InvalidBlobKeyError);
    assert.equal(await text((await store.get('v/source')).body), 'file');
    assert.equal(await store.head('w/hls'), null, 'a folder is not an object');
    await store.delete('w/hls');
    assert.equal(await text((await store.get('w/hls/seg')).body), 'seg');
    assert.deepEqual(await readdir(join(store.root, 'tmp')), []);
  });

  test('a failed stream leaves no temp file, and delete leaves no empty folders', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    await assert.rejects(store.put('a/b/c', generatedStream(3_000_000, { failAfter: 1_000_000 }).stream), /source failed mid-way/);
    assert.deepEqual(await readdir(join(store.root, 'tmp')), []);
    await store.put('a/b/c', Buffer.from('x'));
    await store.put('a/d', Buffer.from('y'));
    await store.delete('a/b/c');
    assert.deepEqual(await readdir(join(store.root, 'objects', 'a')), ['d']);
    await store.deletePrefix('a/');
    assert.deepEqual(await readdir(join(store.root, 'objects')), []);
  });

  test('a lost sidecar is rebuilt from the bytes, keeping the etag', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    const put = await store.put('k', Buffer.from('bytes'), { contentType: 'video/mp4' });
    await rm(join(store.root, 'meta'), { recursive: true });
    await mkdir(join(store.root, 'meta'));
    const head = await store.head('k');
    assert.equal(head?.etag, put.etag);
    assert.equal(head?.contentType, 'application/octet-stream', 'the content type went with the sidecar');
    assert.equal(await text((await store.get('k')).body), 'bytes');
  });

  test('bytes changed behind the store get the etag of the new bytes', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    const put = await store.put('k', Buffer.from('before'), { contentType: 'text/plain' });
    await writeFile(store.localPath('k'), 'after, and longer');
    const head = await store.head('k');
    assert.notEqual(head?.etag, put.etag);
    assert.equal(head?.etag, sha256('after, and longer'));
    assert.equal(head?.contentType, 'text/plain');
  });

  test('a reader keeps the version it opened while the key is overwritten', async () => {
    const store = new LocalBlobStore({ dir: newRoot() });
    await store.put('k', Buffer.alloc(1_000_000, 'a'));
    const reading = await store.get('k');
    await store.put('k', Buffer.alloc(10, 'b'));
    const bytes = Buffer.concat(await reading.body.toArray());
    assert.equal(bytes.length, 1_000_000);
    assert.ok(bytes.every((b) => b === 97));
  });

  test('temp files a crash left a day ago are swept when the store opens', async () => {
    const root = newRoot();
    await mkdir(join(root, 'tmp'), { recursive: true });
    await writeFile(join(root, 'tmp', 'old.data'), 'crashed');
    await writeFile(join(root, 'tmp', 'live.data'), 'in progress');
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    await utimes(join(root, 'tmp', 'old.data'), dayAgo, dayAgo);
    await new LocalBlobStore({ dir: root }).ping();
    assert.deepEqual(await readdir(join(root, 'tmp')), ['live.data']);
  });

  test('ping rejects when the root cannot be created', async () => {
    const file = join(newRoot() + '-file');
    await writeFile(file, 'not a directory');
    await assert.rejects(new LocalBlobStore({ dir: join(file, 'blobs') }).ping());
  });
});
