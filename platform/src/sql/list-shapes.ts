/**
 * Lists bound into SQL in a few lengths only. A statement built from a list of n items
 * (an IN list, a multi-row INSERT) has its own SQL text for each n, and every new text
 * is parsed and planned again: on SQLite, whose prepared statements are kept by text,
 * the chat server's batches of 1 to 300 messages made more texts than the cache held,
 * and preparing anew cost 6.6% of its CPU at half load. Rounding lengths to powers of
 * two leaves about ten texts per statement.
 */

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(n));

/**
 * `items` lengthened to the next power of two by repeating its last item, for lists where
 * a duplicate changes nothing (`IN (…)`, `CASE … WHEN` arms). Empty stays empty.
 */
export function padList<T>(items: readonly T[]): readonly T[] {
  if (items.length === 0) return items;
  const length = nextPowerOfTwo(items.length);
  if (length === items.length) return items;
  const padded = items.slice();
  const last = items[items.length - 1]!;
  while (padded.length < length) padded.push(last);
  return padded;
}

/**
 * `items` cut into runs whose lengths are powers of two, largest first, none longer than
 * `max` (itself a power of two), for lists that cannot repeat an item (INSERT rows).
 */
export function powerOfTwoChunks<T>(items: readonly T[], max: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  while (start < items.length) {
    const left = items.length - start;
    const size = Math.min(max, 2 ** Math.floor(Math.log2(left)));
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}
