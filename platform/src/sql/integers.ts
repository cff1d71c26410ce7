/**
 * One rule for 64-bit integers on both engines: a number when it is safe in JavaScript,
 * a decimal string otherwise. SQLite (safe-integer mode) hands us bigint; PostgreSQL's
 * `pg` hands us int8 as a string. Both funnel through here.
 */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Runs for every integer of every SQLite row: the bounds are made once (building them per call doubled its cost). */
export function normalizeInt64(value: bigint | string): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big.toString();
}
