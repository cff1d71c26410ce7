/**
 * Bodies for the contract cases, generated rather than committed: random streams of any
 * size hashed as they are read (so a 12 MB round trip is checked without keeping it),
 * streams that fail part-way, and streams that stall until told to finish.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A stream of `size` random bytes; `digest()` is their SHA-256 hex once fully read. */
export function generatedStream(size: number, options: { failAfter?: number } = {}): { stream: Readable; digest(): string } {
  const hash = createHash('sha256');
  let digest: string | undefined;
  async function* chunks() {
    for (let sent = 0; sent < size; ) {
      if (options.failAfter !== undefined && sent >= options.failAfter) throw new Error('source failed mid-way');
      const chunk = randomBytes(Math.min(256 * 1024, size - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
    digest = hash.digest('hex');
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    digest() {
      if (digest === undefined) throw new Error('the stream was not read to its end');
      return digest;
    },
  };
}

/** SHA-256 hex of everything `body` yields. */
export async function sha256Of(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A stream that yields `first`, then waits: `stalled` resolves once the consumer has
 * asked for more than `first`, and `finish(last)` sends the rest and ends it.
 */
export function stalledStream(first: Buffer): { stream: Readable; stalled: Promise<void>; finish(last: Buffer): void } {
  let reads = 0;
  let markStalled!: () => void;
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  const stream = new Readable({
    read() {
      reads += 1;
      if (reads === 1) this.push(first);
      else markStalled();
    },
  });
  return {
    stream,
    stalled,
    finish(last) {
      stream.push(last);
      stream.push(null);
    },
  };
}
