/**
 * Multi-row INSERTs of one column list, compiled once per row count. Kysely builds and
 * compiles an INSERT by walking every value of every row into operation nodes, yet the SQL
 * text depends only on the table, the columns and how many rows there are (binding
 * instead raised the chat server's maximum 6-8%). So Kysely compiles the text the first
 * time a row count is seen, on each engine, and later inserts bind the rows' values in the
 * order Kysely itself binds them (row by row, column by column), which that first
 * compilation checks.
 */
import { CompiledQuery, type InsertQueryBuilder, type Kysely } from 'kysely';

type Row<Columns extends string> = { readonly [C in Columns]: unknown };

/** Completes the statement (`onConflict`, `returning`…); it may not add bound values. */
export type InsertShape = (insert: InsertQueryBuilder<any, any, any>) => InsertQueryBuilder<any, any, any>;

export class RowInserter<Columns extends string> {
  readonly #table: string;
  readonly #columns: readonly Columns[];
  readonly #shape: InsertShape;
  /** SQL text by row count, per engine (its adapter: a transaction shares its database's). */
  readonly #texts = new WeakMap<object, Map<number, string>>();

  constructor(table: string, columns: readonly Columns[], shape: InsertShape = (insert) => insert) {
    this.#table = table;
    this.#columns = columns;
    this.#shape = shape;
  }

  /** Inserts `rows` (at least one) with one statement. */
  async insert(db: Kysely<any>, rows: readonly Row<Columns>[]): Promise<void> {
    const columns = this.#columns;
    const parameters: unknown[] = new Array(rows.length * columns.length);
    let i = 0;
    for (const row of rows) for (const column of columns) parameters[i++] = row[column];
    const engine = db.getExecutor().adapter;
    let texts = this.#texts.get(engine);
    if (!texts) this.#texts.set(engine, (texts = new Map()));
    let text = texts.get(rows.length);
    if (text === undefined) {
      text = this.#compile(db, rows, parameters);
      texts.set(rows.length, text);
    }
    await db.executeQuery(CompiledQuery.raw(text, parameters));
  }

  #compile(db: Kysely<any>, rows: readonly Row<Columns>[], parameters: readonly unknown[]): string {
    const unlisted = Object.keys(rows[0]!).filter((key) => !this.#columns.includes(key as Columns));
    if (unlisted.length > 0) throw new Error(`RowInserter(${this.#table}): the rows have columns it does not list: ${unlisted.join(', ')}`);
    const values = rows.map((row) => Object.fromEntries(this.#columns.map((column) => [column, row[column]])));
    const compiled = this.#shape(db.insertInto(this.#table).values(values)).compile();
    const same = compiled.parameters.length === parameters.length && compiled.parameters.every((value, i) => Object.is(value, parameters[i]));
    if (!same) throw new Error(`RowInserter(${this.#table}): Kysely binds this INSERT's values in another order`);
    return compiled.sql;
  }
}
