import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { DurableWriteStream, freeChunk } from './durable-write-stream.ts';

describe('DurableWriteStream', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durable-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes every byte at its offset and has synced all of them when it finishes', async () => {
    const path = join(dir, 'offset');
    await writeFile(path, Buffer.alloc(10, 'a'));
    const body = randomBytes(3 * 2 ** 20 + 17);
    const file = new DurableWriteStream(path, { flags: 'r+', start: 7 });
    let syncedAtFinish = -1;
    file.on('finish', () => (syncedAtFinish = file.bytesSynced));
    await pipeline(Readable.from(chunksOf(body, 65_536)), file);
    assert.equal(file.bytesWritten, body.length);
    assert.equal(syncedAtFinish, body.length);
    assert.deepEqual(await readFile(path), Buffer.concat([Buffer.alloc(7, 'a'), body]));
  });

  test('syncs in the background while bytes still arrive', async () => {
    const path = join(dir, 'background');
    const file = new DurableWriteStream(path, { flags: 'wx', syncEveryBytes: 2 ** 20 });
    const syncedBeforeEnd: number[] = [];
    async function* slowly() {
      for (let i = 0; i < 16; i++) {
        yield randomBytes(256 * 1024);
        await sleep(5);
        syncedBeforeEnd.push(file.bytesSynced);
      }
    }
    await pipeline(slowly(), file);
    assert.ok(syncedBeforeEnd.some((n) => n > 0 && n < 4 * 2 ** 20), `synced before the end: ${syncedBeforeEnd.join(', ')}`);
    assert.equal(file.bytesSynced, 4 * 2 ** 20);
  });

  test('refuses an existing file with wx, and a failed source leaves no descriptor open', async () => {
    const existing = join(dir, 'existing');
    await writeFile(existing, 'kept');
    await assert.rejects(pipeline(Readable.from([Buffer.from('x')]), new DurableWriteStream(existing, { flags: 'wx' })), { code: 'EEXIST' });
    assert.equal(await readFile(existing, 'utf8'), 'kept');

    const openBefore = (await readdir('/proc/self/fd')).length;
    const broken = join(dir, 'broken');
    const file = new DurableWriteStream(broken, { flags: 'wx' });
    async function* failing() {
      yield Buffer.from('first ');
      throw new Error('connection reset');
    }
    await assert.rejects(pipeline(failing(), file), /connection reset/);
    await new Promise((resolve) => (file.closed ? resolve(undefined) : file.once('close', resolve)));
    assert.equal((await readdir('/proc/self/fd')).length, openBefore);
    // Bytes buffered when the source failed are dropped; the file holds a prefix (tus resumes from its size).
    assert.ok('first '.startsWith(await readFile(broken, 'utf8')));
  });

  test('frees handed-over chunks once written, and only those that are a whole buffer of their own', async () => {
    const path = join(dir, 'handed-over');
    const owned = [randomBytes(65_536), randomBytes(65_536)].map((b) => Buffer.from(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));
    const expected = Buffer.concat([...owned, Buffer.from('slice')]);
    const backing = Buffer.from('a slice of a larger buffer');
    const slice = backing.subarray(2, 7);
    const file = new DurableWriteStream(path, { flags: 'wx', chunksHandedOver: true });
    await pipeline(Readable.from([...owned, slice]), file);
    assert.deepEqual(await readFile(path), expected);
    assert.deepEqual(
      owned.map((b) => b.buffer.detached),
      [true, true],
    );
    assert.equal(slice.toString(), 'slice');
    assert.equal(backing.toString(), 'a slice of a larger buffer');
  });

  test('leaves the chunks alone unless they are handed over', async () => {
    const block = Buffer.from(randomBytes(65_536).buffer.slice(0));
    await pipeline(Readable.from([block, block]), new DurableWriteStream(join(dir, 'kept'), { flags: 'wx' }));
    assert.equal(block.buffer.detached, false);
    assert.deepEqual(await readFile(join(dir, 'kept')), Buffer.concat([block, block]));
  });
});

test('freeChunk frees a whole buffer and leaves a slice, a freed buffer and a shared one alone', () => {
  const whole = new Uint8Array(1024);
  freeChunk(whole);
  assert.equal(whole.byteLength, 0);
  freeChunk(whole);
  const pooled = Buffer.from('pooled');
  freeChunk(pooled);
  assert.equal(pooled.toString(), 'pooled');
  const shared = new Uint8Array(new SharedArrayBuffer(16));
  freeChunk(shared);
  assert.equal(shared.byteLength, 16);
});

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
