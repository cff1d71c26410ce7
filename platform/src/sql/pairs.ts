/**
 * `(a, b) IN (VALUES (x1, y1), …)` for looking rows up by a two-column key. Two separate
 * IN lists would match every a × every b — as many index probes, and a filter in code
 * afterwards — where this is one probe per pair, on SQLite and PostgreSQL alike. Values
 * of `bigint` columns are cast, since PostgreSQL types an untyped VALUES column as text.
 * The list is padded to a power of two (list-shapes.ts) so its SQL comes in few texts.
 */
import { sql, type RawBuilder } from 'kysely';
import { padList } from './list-shapes.ts';

export type PairColumn = readonly [name: string, type: 'bigint' | 'text'];

export function pairIn(first: PairColumn, second: PairColumn, pairs: ReadonlyArray<readonly [unknown, unknown]>): RawBuilder<boolean> {
  if (pairs.length === 0) return sql<boolean>`1 = 0`;
  const value = (v: unknown, [, type]: PairColumn) => (type === 'bigint' ? sql`cast(${v} as bigint)` : sql`${v}`);
  const rows = sql.join(padList(pairs).map(([a, b]) => sql`(${value(a, first)}, ${value(b, second)})`));
  return sql<boolean>`(${sql.ref(first[0])}, ${sql.ref(second[0])}) in (values ${rows})`;
}
