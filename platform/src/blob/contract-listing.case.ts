/**
 * Listing and prefix deletion in the blob contract: key order by UTF-8 bytes, pages
 * followed by cursor, prefix isolation (string prefixes, not folders), and deletePrefix
 * removing one video's outputs and nothing beside them.
 */
import assert from 'node:assert/strict';
import { InvalidBlobKeyError } from './errors.ts';
import type { BlobStore } from './interface.ts';
import type { BlobCase } from './contract.case.ts';

async function putAll(store: BlobStore, keys: string[]): Promise<void> {
  for (const key of keys) await store.put(key, Buffer.from(`body of ${key}`), { contentType: 'text/plain' });
}

const keysOf = async (store: BlobStore, prefix: string) => (await store.list(prefix)).keys.map((k) => k.key);

export function listingCases(it: BlobCase): void {
  it('list returns every key in order with size and etag, without content types', async (store) => {
    await putAll(store, ['videos/2/b', 'videos/1/z', 'videos/1/a', 'attachments/x', 'zeta']);
    const page = await store.list('');
    assert.deepEqual(page.keys.map((k) => k.key), ['attachments/x', 'videos/1/a', 'videos/1/z', 'videos/2/b', 'zeta']);
    assert.equal(page.nextCursor, undefined);
    const head = await store.head('videos/1/a');
    const listed = page.keys[1]!;
    assert.deepEqual({ key: listed.key, size: listed.size, etag: listed.etag }, { key: head?.key, size: head?.size, etag: head?.etag });
    assert.ok(listed.lastModified instanceof Date);
    assert.equal(listed.contentType, undefined);
  });

  it('list orders keys by their bytes, whatever folders they sit in', async (store) => {
    // '-' (0x2d) < '.' < '/' (0x2f) < '0': x-y and x.txt come before x/…, x0 after it.
    await putAll(store, ['x0', 'x/z', 'x.txt', 'x-y', 'x/a/b', 'w', 'é', 'z']);
    assert.deepEqual(await keysOf(store, ''), ['w', 'x-y', 'x.txt', 'x/a/b', 'x/z', 'x0', 'z', 'é']);
    assert.deepEqual(await keysOf(store, 'x'), ['x-y', 'x.txt', 'x/a/b', 'x/z', 'x0']);
  });

  it('list pages with a cursor until a last page without one', async (store) => {
    const keys = Array.from({ length: 7 }, (_, i) => `hls/720p/seg-${String(i).padStart(3, '0')}.m4s`);
    await putAll(store, [...keys].reverse());
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list('hls/', { limit: 3, ...(cursor ? { cursor } : {}) });
      assert.ok(page.keys.length <= 3);
      seen.push(...page.keys.map((k) => k.key));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 3);
    assert.equal((await store.list('hls/', { limit: 7 })).nextCursor, undefined, 'an exactly full last page has no cursor');
  });

  it('list rejects a limit outside 1 to 1000', async (store) => {
    for (const limit of [0, -1, 1001, 2.5]) await assert.rejects(store.list('', { limit }), RangeError);
  });

  it('list only returns keys that start with the prefix', async (store) => {
    await putAll(store, ['videos/123/a', 'videos/123/hls/b', 'videos/1234/c', 'videos/12/d', 'videos10/e']);
    assert.deepEqual(await keysOf(store, 'videos/123/'), ['videos/123/a', 'videos/123/hls/b']);
    assert.deepEqual(await keysOf(store, 'videos/123'), ['videos/123/a', 'videos/123/hls/b', 'videos/1234/c']);
    assert.deepEqual(await keysOf(store, 'videos/123/hls/b'), ['videos/123/hls/b']);
    assert.deepEqual(await keysOf(store, 'videos/9'), []);
    assert.deepEqual(await keysOf(store, 'nothing/here/'), []);
  });

  it('a cursor from one page carries on within the same prefix', async (store) => {
    await putAll(store, ['p/a', 'p/b', 'p/c', 'q/a']);
    const first = await store.list('p/', { limit: 2 });
    assert.deepEqual(first.keys.map((k) => k.key), ['p/a', 'p/b']);
    const second = await store.list('p/', { limit: 2, cursor: first.nextCursor! });
    assert.deepEqual(second.keys.map((k) => k.key), ['p/c']);
    assert.equal(second.nextCursor, undefined);
  });

  it('deletePrefix removes every key under the prefix and nothing beside it', async (store) => {
    await putAll(store, ['videos/123/source', 'videos/123/hls/720p/seg-1.m4s', 'videos/123/hls/master.m3u8', 'videos/1234/source', 'videos/12/source']);
    await store.deletePrefix('videos/123/');
    assert.deepEqual(await keysOf(store, ''), ['videos/12/source', 'videos/1234/source']);
    assert.equal(await store.head('videos/123/source'), null);
    await store.deletePrefix('videos/123/');
    await store.deletePrefix('never/');
    await store.deletePrefix('videos/12');
    assert.deepEqual(await keysOf(store, ''), []);
  });

  it('deletePrefix refuses an empty prefix', async (store) => {
    await putAll(store, ['kept']);
    await assert.rejects(store.deletePrefix(''), InvalidBlobKeyError);
    assert.deepEqual(await keysOf(store, ''), ['kept']);
  });

  it('deletePrefix removes more keys than one listing page holds', async (store) => {
    const keys = Array.from({ length: 1005 }, (_, i) => `bulk/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, Buffer.from('s'))));
    }
    const page = await store.list('bulk/');
    assert.equal(page.keys.length, 1000);
    assert.ok(page.nextCursor);
    await store.deletePrefix('bulk/');
    assert.deepEqual(await keysOf(store, 'bulk/'), []);
  });
}
