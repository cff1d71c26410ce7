import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { LocalBlobStore, SMALL_OBJECT_BYTES, type BlobStore } from '@twin/platform/blob';
import { RecentFiles } from './recent-files.ts';

let dir: string;
let store: LocalBlobStore;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recent-files-'));
  store = new LocalBlobStore({ dir });
});
after(() => rm(dir, { recursive: true, force: true }));

const bodyOf = async (read: Awaited<ReturnType<BlobStore['get']>>) => read.bytes?.toString() ?? text(read.body);

test('a small file is served from memory within the window, with the validators of the bytes served, then read again', async () => {
  let nowMs = 1_000_000;
  const files = new RecentFiles(store, 1000, () => nowMs);
  const first = await store.put('v/a/playlist.m3u8', Buffer.from('#EXTM3U\none\n'));
  assert.equal(await bodyOf(await files.get('v/a/playlist.m3u8')), '#EXTM3U\none\n');

  const second = await store.put('v/a/playlist.m3u8', Buffer.from('#EXTM3U\ntwo\n'));
  const remembered = await files.get('v/a/playlist.m3u8');
  assert.equal(await bodyOf(remembered), '#EXTM3U\none\n');
  assert.equal(remembered.info.etag, first.etag);
  // A ranged read and a head ask the store.
  assert.equal((await files.head('v/a/playlist.m3u8'))?.etag, second.etag);
  assert.equal(await bodyOf(await files.get('v/a/playlist.m3u8', { range: { start: 8, end: 10 } })), 'two');

  nowMs += 999;
  assert.equal((await files.get('v/a/playlist.m3u8')).info.etag, first.etag, 'still within the window');
  nowMs += 1;
  const fresh = await files.get('v/a/playlist.m3u8');
  assert.equal(await bodyOf(fresh), '#EXTM3U\ntwo\n');
  assert.equal(fresh.info.etag, second.etag);
});

test('a remembered file can be sent any number of times, as bytes or as a stream', async () => {
  const files = new RecentFiles(store, 60_000);
  await store.put('v/b/en.vtt', Buffer.from('WEBVTT\n'));
  const reads = [await files.get('v/b/en.vtt'), await files.get('v/b/en.vtt')];
  assert.deepEqual(await Promise.all(reads.map((read) => text(read.body))), ['WEBVTT\n', 'WEBVTT\n']);
  assert.deepEqual(reads.map((read) => read.bytes?.toString()), ['WEBVTT\n', 'WEBVTT\n']);
});

test('a file larger than a small one streams from the store every time', async () => {
  const files = new RecentFiles(store, 60_000);
  await store.put('v/c/seg-1.m4s', Buffer.alloc(SMALL_OBJECT_BYTES + 1, 'a'));
  await (await files.get('v/c/seg-1.m4s')).body.resume();
  await store.put('v/c/seg-1.m4s', Buffer.alloc(SMALL_OBJECT_BYTES + 1, 'b'));
  const read = await files.get('v/c/seg-1.m4s');
  assert.equal((await text(read.body))[0], 'b');
});

test('a store that streams everything (as S3 does) has its small files read whole and remembered', async () => {
  let gets = 0;
  const streaming: Pick<BlobStore, 'get' | 'head'> = {
    head: (key) => store.head(key),
    async get(key, options) {
      gets++;
      // The local store reads small files whole; only the stream is passed on.
      const { body, info, range } = await store.get(key, options);
      return range ? { body, info, range } : { body, info };
    },
  };
  const files = new RecentFiles(streaming as BlobStore, 60_000);
  await store.put('v/d/master.m3u8', Buffer.from('#EXTM3U\nmaster\n'));
  const first = await files.get('v/d/master.m3u8');
  const again = await files.get('v/d/master.m3u8');
  assert.equal(first.bytes?.toString(), '#EXTM3U\nmaster\n');
  assert.equal(await text(again.body), '#EXTM3U\nmaster\n');
  assert.equal(gets, 1);
});

test('with a window of 0 every read goes to the store', async () => {
  const files = new RecentFiles(store, 0);
  await store.put('v/e/playlist.m3u8', Buffer.from('one'));
  assert.equal(await bodyOf(await files.get('v/e/playlist.m3u8')), 'one');
  await store.put('v/e/playlist.m3u8', Buffer.from('two'));
  assert.equal(await bodyOf(await files.get('v/e/playlist.m3u8')), 'two');
});
