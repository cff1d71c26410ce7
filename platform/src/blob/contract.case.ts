/**
 * The behaviour every blob store must share, run against the local directory and S3
 * alike: round trips of buffers and streams (one large enough for S3 multipart), byte
 * ranges, etags, deletes, atomic puts, failed streams and key rules. Listing cases live
 * in `contract-listing.case.ts`. Each case gets a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { text } from 'node:stream/consumers';
import { BlobNotFoundError, BlobRangeNotSatisfiableError, InvalidBlobKeyError } from './errors.ts';
import type { BlobStore } from './interface.ts';
import { listingCases } from './contract-listing.case.ts';
import { generatedStream, sha256Of, stalledStream } from './contract-streams.ts';

export interface BlobContractOptions {
  /** Opens a new, empty store; the suite closes it after the case. */
  create: () => Promise<BlobStore>;
  skip?: { reason: string; tests: string[] }[];
}

/** Registers a case that runs against a fresh store, honouring `skip`. */
export type BlobCase = (name: string, fn: (store: BlobStore) => Promise<void>) => void;

const mib = 1024 * 1024;

export function runContract({ create, skip = [] }: BlobContractOptions): void {
  const it: BlobCase = (name, fn) =>
    test(name, { skip: skip.find((s) => s.tests.includes(name))?.reason ?? false }, async () => {
      const store = await create();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });

  it('answers ping', async (store) => {
    await store.ping();
  });

  it('get returns the bytes, size, etag and content type a Buffer was put with', async (store) => {
    const before = Date.now();
    const put = await store.put('attachments/a1', Buffer.from('ciphertext bytes'), { contentType: 'application/octet-stream+enc' });
    assert.deepEqual({ key: put.key, size: put.size, contentType: put.contentType }, { key: 'attachments/a1', size: 16, contentType: 'application/octet-stream+enc' });
    assert.match(put.etag, /^"[^"]+"$/, 'a strong etag in HTTP form');
    assert.ok(put.lastModified.getTime() >= before - 2000 && put.lastModified.getTime() <= Date.now() + 2000);
    const got = await store.get('attachments/a1');
    assert.equal(await text(got.body), 'ciphertext bytes');
    assert.equal(got.range, undefined);
    assert.deepEqual({ ...got.info, lastModified: undefined }, { ...put, lastModified: undefined });
    const head = await store.head('attachments/a1');
    assert.deepEqual({ ...head, lastModified: undefined }, { ...put, lastModified: undefined });
  });

  it('stores exactly the viewed bytes of a Uint8Array slice', async (store) => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
    await store.put('slice', whole.subarray(2, 5));
    assert.deepEqual([...(await bytesOf(store, 'slice'))], [3, 4, 5]);
  });

  it('an object put without a content type reports application/octet-stream', async (store) => {
    await store.put('plain', Buffer.from('x'));
    assert.equal((await store.head('plain'))?.contentType, 'application/octet-stream');
  });

  it('an empty object round-trips', async (store) => {
    const put = await store.put('empty', Buffer.alloc(0));
    assert.equal(put.size, 0);
    assert.equal(await text((await store.get('empty')).body), '');
  });

  it('a 12 MB stream round-trips byte for byte', async (store) => {
    const size = 12 * mib + 12345;
    const source = generatedStream(size);
    const put = await store.put('videos/v1/source', source.stream, { contentType: 'video/mp4' });
    assert.equal(put.size, size);
    assert.equal(put.contentType, 'video/mp4');
    const got = await store.get('videos/v1/source');
    assert.equal(got.info.size, size);
    assert.equal(got.info.etag, put.etag);
    assert.equal(await sha256Of(got.body), source.digest());
  });

  it('head of a missing key is null and get of it throws BlobNotFoundError', async (store) => {
    assert.equal(await store.head('missing/key'), null);
    await assert.rejects(store.get('missing/key'), (e: unknown) => e instanceof BlobNotFoundError && e.key === 'missing/key');
    await assert.rejects(store.get('missing/key', { range: { start: 0 } }), BlobNotFoundError);
  });

  const digits = '0123456789abcdefghij'; // 20 bytes
  const ranges: [string, { start: number; end?: number }, { start: number; end: number }, string][] = [
    ['the first bytes', { start: 0, end: 3 }, { start: 0, end: 3 }, '0123'],
    ['a middle slice', { start: 5, end: 9 }, { start: 5, end: 9 }, '56789'],
    ['an open-ended range to the end', { start: 15 }, { start: 15, end: 19 }, 'fghij'],
    ['the last byte alone', { start: 19, end: 19 }, { start: 19, end: 19 }, 'j'],
    ['a range running past the end, clipped', { start: 18, end: 500 }, { start: 18, end: 19 }, 'ij'],
  ];
  for (const [what, asked, sent, bytes] of ranges) {
    it(`a range returns ${what}, with the whole object's info`, async (store) => {
      const put = await store.put('r', Buffer.from(digits));
      const got = await store.get('r', { range: asked });
      assert.equal(await text(got.body), bytes);
      assert.deepEqual(got.range, sent);
      assert.equal(got.info.size, 20);
      assert.equal(got.info.etag, put.etag);
    });
  }

  it('a range starting at or after the size throws BlobRangeNotSatisfiableError with the size', async (store) => {
    await store.put('r', Buffer.from(digits));
    for (const start of [20, 1000]) {
      await assert.rejects(store.get('r', { range: { start, end: start + 5 } }), (e: unknown) => e instanceof BlobRangeNotSatisfiableError && e.size === 20);
    }
    await store.put('empty', Buffer.alloc(0));
    await assert.rejects(store.get('empty', { range: { start: 0 } }), (e: unknown) => e instanceof BlobRangeNotSatisfiableError && e.size === 0);
  });

  it('a malformed range is a RangeError', async (store) => {
    await store.put('r', Buffer.from(digits));
    for (const range of [{ start: -1 }, { start: 1.5 }, { start: 5, end: 4 }]) {
      await assert.rejects(store.get('r', { range }), RangeError);
    }
  });

  it('overwriting with other bytes changes the etag and serves the new bytes', async (store) => {
    const first = await store.put('playlist.m3u8', Buffer.from('#EXTM3U v1'));
    const second = await store.put('playlist.m3u8', Buffer.from('#EXTM3U v2'));
    assert.notEqual(second.etag, first.etag);
    assert.equal((await store.head('playlist.m3u8'))?.etag, second.etag);
    assert.equal(await text((await store.get('playlist.m3u8')).body), '#EXTM3U v2');
  });

  it('delete removes the object, and deleting again or a missing key is fine', async (store) => {
    await store.put('a/b/c', Buffer.from('x'));
    await store.delete('a/b/c');
    assert.equal(await store.head('a/b/c'), null);
    await store.delete('a/b/c');
    await store.delete('never/there');
    await assert.rejects(store.get('a/b/c'), BlobNotFoundError);
  });

  it('a put is invisible until its stream ends, and an overwrite serves the old bytes until then', async (store) => {
    await store.put('seg/old', Buffer.from('old bytes'));
    const fresh = stalledStream(Buffer.alloc(64 * 1024, 1));
    const writingNew = store.put('seg/new', fresh.stream);
    const over = stalledStream(Buffer.alloc(64 * 1024, 2));
    const overwriting = store.put('seg/old', over.stream);
    await fresh.stalled;
    await over.stalled;
    assert.equal(await store.head('seg/new'), null);
    assert.deepEqual((await store.list('seg/')).keys.map((k) => k.key), ['seg/old']);
    assert.equal(await text((await store.get('seg/old')).body), 'old bytes');
    fresh.finish(Buffer.alloc(10, 1));
    over.finish(Buffer.alloc(10, 2));
    await Promise.all([writingNew, overwriting]);
    assert.equal((await store.head('seg/new'))?.size, 64 * 1024 + 10);
    assert.equal((await store.head('seg/old'))?.size, 64 * 1024 + 10);
  });

  it('a stream that fails mid-way rejects with its error and leaves no object', async (store) => {
    await store.put('up/kept', Buffer.from('previous version'));
    for (const key of ['up/new', 'up/kept']) {
      // Past the first 8 MiB part (S3's default here), so a multipart upload is under way when it fails.
      const failing = generatedStream(12 * mib, { failAfter: 9 * mib });
      await assert.rejects(store.put(key, failing.stream), /source failed mid-way/);
    }
    assert.equal(await store.head('up/new'), null);
    assert.equal(await text((await store.get('up/kept')).body), 'previous version');
    assert.deepEqual((await store.list('')).keys.map((k) => k.key), ['up/kept']);
  });

  it('concurrent puts of one key leave one whole version whose etag is its own', async (store) => {
    const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1000 + i, 65 + i));
    const puts = await Promise.all(bodies.map((body) => store.put('race', body)));
    const head = await store.head('race');
    const bytes = await bytesOf(store, 'race');
    const winner = bodies.findIndex((b) => b.equals(bytes));
    assert.ok(winner >= 0, 'the bytes are exactly one of the puts');
    assert.equal(head?.etag, puts[winner]!.etag);
    assert.equal(head?.size, bodies[winner]!.length);
  });

  it('rejects invalid keys with InvalidBlobKeyError on every operation', async (store) => {
    const invalid = ['', '/abs', 'a//b', 'a/', 'a/../b', '..', 'a/./b', '.', 'a\\b', 'nul\0key', 'x'.repeat(1025)];
    for (const key of invalid) {
      await assert.rejects(store.put(key, Buffer.from('x')), InvalidBlobKeyError, `put ${JSON.stringify(key)}`);
      await assert.rejects(store.get(key), InvalidBlobKeyError);
      await assert.rejects(store.head(key), InvalidBlobKeyError);
      await assert.rejects(store.delete(key), InvalidBlobKeyError);
    }
    for (const prefix of ['/abs', 'a//', '../', 'a/../', 'a\\', 'nul\0']) {
      await assert.rejects(store.list(prefix), InvalidBlobKeyError, `list ${JSON.stringify(prefix)}`);
      await assert.rejects(store.deletePrefix(prefix), InvalidBlobKeyError);
    }
    assert.deepEqual((await store.list('')).keys, [], 'nothing was written');
  });

  it('accepts keys with dots, spaces and non-ASCII in their segments', async (store) => {
    for (const key of ['..hidden/.x', 'a/b..c', 'ünï cödé/文件.bin', 'seg-00001.m4s']) {
      await store.put(key, Buffer.from(key));
      assert.equal(await text((await store.get(key)).body), key);
    }
  });

  listingCases(it);
}

async function bytesOf(store: BlobStore, key: string): Promise<Buffer> {
  return Buffer.concat(await (await store.get(key)).body.toArray());
}
