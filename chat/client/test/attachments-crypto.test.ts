/**
 * The attachment format on its own (no server): round trips at the sizes where chunking
 * has edges, and every way of rearranging or damaging the ciphertext — a flipped byte,
 * reordered, dropped, truncated or appended chunks, an edited header — fails with
 * `AttachmentIntegrityError` and never yields the last plaintext chunk.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { toBase64Url } from '@twin/chat-protocol';
import { AttachmentIntegrityError, ciphertextSize, createHeader, decryptStream, encryptStream, parsePointer, type CiphertextExpectation } from '../src/attachments/index.ts';

const CHUNK = 1024;
const SEALED = CHUNK + 16;
const HEADER = 16;

const key = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
const fromPieces = (pieces: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
const collect = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());
const sha = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
const plaintext = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);

async function seal(k: CryptoKey, plain: Uint8Array, pieceSize = 700): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < plain.length; i += pieceSize) pieces.push(plain.subarray(i, i + pieceSize));
  return collect(fromPieces(pieces).pipeThrough(encryptStream(k, createHeader(CHUNK, crypto.getRandomValues(new Uint8Array(7))))));
}

/** Decrypts, with the digest of exactly these bytes unless told otherwise (so the chunk checks are what is tested). */
function open(k: CryptoKey, ciphertext: Uint8Array, expected: CiphertextExpectation = { sha256: sha(ciphertext), size: ciphertext.length }): Promise<Uint8Array> {
  return collect(fromPieces([ciphertext.subarray(0, 5), ciphertext.subarray(5)]).pipeThrough(decryptStream(k, expected)));
}

async function rejectsWith(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AttachmentIntegrityError, String(error));
    assert.equal(error.code, 'attachment_corrupt');
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

const chunks = (ciphertext: Uint8Array) => {
  const out: Uint8Array[] = [];
  for (let i = HEADER; i < ciphertext.length; i += SEALED) out.push(ciphertext.subarray(i, i + SEALED));
  return out;
};
const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('attachment encryption format', () => {
  test('round-trips at every chunking edge, and the ciphertext has the predicted size', async () => {
    const k = await key();
    for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
      const plain = plaintext(n);
      const ciphertext = await seal(k, plain);
      assert.equal(ciphertext.length, ciphertextSize(n, CHUNK), `size for ${n}`);
      assert.deepEqual(await open(k, ciphertext), plain, `round trip for ${n}`);
    }
  });

  test('a flipped bit anywhere (header, body, tag) fails authentication', async () => {
    const k = await key();
    const ciphertext = await seal(k, plaintext(3 * CHUNK + 100));
    for (const at of [9, HEADER + 3, HEADER + SEALED + CHUNK + 2, ciphertext.length - 1]) {
      const damaged = ciphertext.slice();
      damaged[at]! ^= 1;
      await rejectsWith(open(k, damaged), 'chunk_authentication');
    }
  });

  test('reordered, dropped, truncated and appended chunks fail authentication', async () => {
    const k = await key();
    const ciphertext = await seal(k, plaintext(3 * CHUNK + 100));
    const header = ciphertext.subarray(0, HEADER);
    const [c0, c1, c2, c3] = chunks(ciphertext);
    await rejectsWith(open(k, join(header, c1!, c0!, c2!, c3!)), 'chunk_authentication');
    await rejectsWith(open(k, join(header, c0!, c2!, c3!)), 'chunk_authentication');
    // Cut at a chunk boundary: the new last chunk was sealed as "not last".
    await rejectsWith(open(k, join(header, c0!, c1!, c2!)), 'chunk_authentication');
    // A chunk after the last one: the old last is now opened as "not last".
    await rejectsWith(open(k, join(header, c0!, c1!, c2!, c3!, c1!)), 'chunk_authentication');
    // A chunk from another attachment under the same key (a different nonce prefix) does not fit either.
    const other = chunks(await seal(k, plaintext(3 * CHUNK + 100)));
    await rejectsWith(open(k, join(header, c0!, other[1]!, c2!, c3!)), 'chunk_authentication');
  });

  test('a ciphertext that is not what the pointer announces fails on digest or size before the last chunk', async () => {
    const k = await key();
    const ciphertext = await seal(k, plaintext(2 * CHUNK + 5));
    await rejectsWith(open(k, ciphertext, { sha256: sha(new Uint8Array([1])), size: ciphertext.length }), 'digest_mismatch');
    await rejectsWith(open(k, ciphertext, { sha256: sha(ciphertext), size: ciphertext.length + 1 }), 'size_mismatch');
    await rejectsWith(open(k, ciphertext, { sha256: sha(ciphertext), size: ciphertext.length - 1 }), 'size_mismatch');
    const short = ciphertext.subarray(0, 10);
    await rejectsWith(open(k, short), 'truncated');
    const notAHeader = ciphertext.slice();
    notAHeader[0] = 0;
    await rejectsWith(open(k, notAHeader), 'bad_header');
    await rejectsWith(open(k, ciphertext, { sha256: sha(ciphertext), size: ciphertext.length, chunkSize: 2 * CHUNK }), 'bad_header');
  });

  test('the wrong key fails on the first chunk and releases nothing', async () => {
    const ciphertext = await seal(await key(), plaintext(3 * CHUNK));
    const released: Uint8Array[] = [];
    const reading = fromPieces([ciphertext])
      .pipeThrough(decryptStream(await key(), { sha256: sha(ciphertext), size: ciphertext.length }))
      .pipeTo(new WritableStream({ write: (chunk) => void released.push(chunk) }));
    await rejectsWith(reading, 'chunk_authentication');
    assert.equal(released.length, 0);
  });

  test('parsePointer accepts a well-formed pointer and refuses malformed ones', () => {
    const good = { v: 1, id: '123', key: toBase64Url(new Uint8Array(32)), sha256: toBase64Url(new Uint8Array(32)), size: 100, plainSize: 52, chunkSize: 65536, mime: 'image/png', name: 'a.png' };
    assert.deepEqual(parsePointer(JSON.parse(JSON.stringify(good))), good);
    for (const bad of [null, { ...good, v: 2 }, { ...good, id: 'x' }, { ...good, key: 'short' }, { ...good, sha256: 5 }, { ...good, size: -1 }, { ...good, chunkSize: 1 }, { ...good, name: 7 }]) {
      assert.throws(() => parsePointer(bad), TypeError);
    }
  });
});
