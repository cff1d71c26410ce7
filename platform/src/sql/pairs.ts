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
  const padded = padList(pairs);
  // One raw fragment holding every value: a fragment per pair (and per cast) made the
  // chat server build and compile ~400 nodes for a batch's lookup, 3.7% of its CPU.
  const rows = sql(valuesFragments(padded.length, first[1], second[1]), ...padded.flat());
  return sql<boolean>`(${sql.ref(first[0])}, ${sql.ref(second[0])}) in (values ${rows})`;
}

const fragmentsByShape = new Map<string, TemplateStringsArray>();

/** The SQL around `count` pairs of values, `(cast(? as bigint), ?), (…`, made once per shape. */
function valuesFragments(count: number, first: PairColumn[1], second: PairColumn[1]): TemplateStringsArray {
  const shape = `${count} ${first} ${second}`;
  let fragments = fragmentsByShape.get(shape);
  if (!fragments) {
    const open = (type: PairColumn[1]) => (type === 'bigint' ? 'cast(' : '');
    const close = (type: PairColumn[1]) => (type === 'bigint' ? ' as bigint)' : '');
    const texts = [`(${open(first)}`];
    for (let i = 0; i < count; i++) texts.push(`${close(first)}, ${open(second)}`, `${close(second)})${i < count - 1 ? `, (${open(first)}` : ''}`);
    fragments = Object.assign(texts, { raw: texts }) as unknown as TemplateStringsArray;
    fragmentsByShape.set(shape, fragments);
  }
  return fragments;
}
