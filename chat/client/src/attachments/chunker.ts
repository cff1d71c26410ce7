/**
 * Cuts a byte stream into fixed-size chunks and holds the latest full one back until it
 * is known whether more bytes follow: the STREAM construction seals (and opens) the last
 * chunk differently, and a stream says it is over only after its last bytes arrived.
 * Holds at most one chunk plus one partial chunk, whatever the stream's length.
 */
export class FixedChunker {
  readonly #size: number;
  #buffer: Uint8Array<ArrayBuffer>;
  #filled = 0;
  /** A full chunk not yet known to be followed by more bytes. */
  #held: Uint8Array<ArrayBuffer> | undefined;

  constructor(size: number) {
    this.#size = size;
    this.#buffer = new Uint8Array(size);
  }

  /** Takes bytes; returns the chunks now known not to be the last, in order. */
  push(bytes: Uint8Array): Uint8Array<ArrayBuffer>[] {
    const out: Uint8Array<ArrayBuffer>[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#held) {
        out.push(this.#held);
        this.#held = undefined;
      }
      const n = Math.min(this.#size - this.#filled, bytes.length - offset);
      this.#buffer.set(bytes.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.#size) {
        this.#held = this.#buffer;
        this.#buffer = new Uint8Array(this.#size);
        this.#filled = 0;
      }
    }
    return out;
  }

  /** The last chunk: the held full one, or the partial rest (empty when nothing came at all). */
  end(): Uint8Array<ArrayBuffer> {
    if (this.#held) return this.#held;
    return this.#buffer.subarray(0, this.#filled);
  }
}
