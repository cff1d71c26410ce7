/**
 * One rule for 64-bit integers on both engines: a number when it is safe in JavaScript,
 * a decimal string otherwise. SQLite (safe-integer mode) hands us bigint; PostgreSQL's
 * `pg` hands us int8 as a string. Both funnel through here.
 */
export function normalizeInt64(value: bigint | string): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big.toString();
}
