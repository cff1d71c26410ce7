/**
 * How many indexed videos hold each term: the `n` of bm25's IDF, which the embedded index
 * hands to bm25df (platform/src/sql/native/fts5-bm25df.c) instead of letting bm25() walk
 * the term's whole doclist on every query (2 ms for a word in 34k of 1M videos). A term is
 * counted by one MATCH the first time it is asked, then kept while the index is unchanged:
 * every write to an FTS5 index — from this process or another, such as `npm run reindex` —
 * rewrites its structure record, which each lookup compares first. So the counts are the
 * ones bm25() would find, and a steady index pays each term's count once.
 */
import { sql, type Kysely } from 'kysely';

/** Terms kept; past it the longest unused is forgotten. */
const MAX_TERMS = 50_000;

export class DocumentCounts {
  readonly #table: string;
  readonly #counts = new Map<string, number>();
  #structure: Uint8Array | undefined;

  /** `table`: the FTS5 table (its `_data` shadow table holds the structure record). */
  constructor(table: string) {
    this.#table = table;
  }

  /** The number of indexed rows holding each term, in order. */
  async of(db: Kysely<any>, terms: readonly string[]): Promise<number[]> {
    // FTS5 keeps its structure record at id 10 of the %_data table (FTS5_STRUCTURE_ROWID).
    const { rows } = await sql<{ block: Uint8Array }>`select block from ${sql.table(`${this.#table}_data`)} where id = 10`.execute(db);
    const structure = rows[0]?.block;
    if (!structure || !this.#structure || Buffer.compare(structure, this.#structure) !== 0) {
      this.#counts.clear();
      this.#structure = structure;
    }
    return Promise.all(terms.map((term) => this.#count(db, term)));
  }

  async #count(db: Kysely<any>, term: string): Promise<number> {
    const known = this.#counts.get(term);
    if (known !== undefined) {
      this.#counts.delete(term); // re-inserted below: Map order is the recency order
      this.#counts.set(term, known);
      return known;
    }
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(this.#table)} where ${sql.table(this.#table)} match ${`"${term}"`}`.execute(db);
    const n = Number(rows[0]!.n);
    if (this.#counts.size >= MAX_TERMS) this.#counts.delete(this.#counts.keys().next().value!);
    this.#counts.set(term, n);
    return n;
  }
}
