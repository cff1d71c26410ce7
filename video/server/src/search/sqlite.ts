/**
 * The embedded search index: a contentless SQLite FTS5 table over the three searched
 * columns — title, tags, description — and a small rowid table of the filter columns
 * beside it, so a filter reads a few bytes per match rather than the whole document.
 * Ranking is bm25 with column weights 10 / 4 / 1 (title > tags > description), computed
 * by bm25df (platform/src/sql/native/fts5-bm25df.c) from document counts kept while the
 * index is unchanged (sqlite-document-counts.ts): the same scores as FTS5's bm25(),
 * negated so higher is better, without walking each term's whole doclist per query.
 *
 * Both tables are keyed by the video id negated, so newest first is FTS5's forward order:
 * FTS5 streams matches in rowid order and stops at a LIMIT, which makes the date sort and
 * the relevance candidates (the newest N matches) cost N rows, not every match, and it
 * walks forward about 30% faster than backward, skipping ahead in one doclist to the next
 * id of another as an AND needs. Prefix indexes on 2-, 3- and 4-character prefixes make
 * search-as-you-type a lookup; a prefix narrows the matches but is not scored (see
 * SearchQuery.prefix).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { VideoId } from '../ids.ts';
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from './interface.ts';
import { DocumentCounts } from './sqlite-document-counts.ts';
import { scoredTerms, words } from './terms.ts';

const FTS_TABLE = 'video_search_fts';
const FTS = sql.table(FTS_TABLE);
const META = sql.table('video_search_meta');
/** Column weights of bm25: title 10, tags 4, description 1. */
const WEIGHTS = sql`10.0, 4.0, 1.0`;
/** Documents per statement: 4 parameters each stays far below SQLite's 32 766. */
const BATCH = 500;

/** The key of a video in both tables: its id negated, newest first (ids are time-ordered). */
const key = (id: VideoId) => -BigInt(id);

/** `"a" "b"*`: every term required (implicit AND), quoted so no term is read as FTS5 syntax. */
function matchExpression(query: Pick<SearchQuery, 'terms' | 'prefix'>): string {
  return query.terms.map((t, i) => `"${t}"${query.prefix && i === query.terms.length - 1 ? '*' : ''}`).join(' ');
}

/** One instance per database: it keeps that index's document counts. */
export class SqliteSearchIndex implements SearchIndex {
  readonly name = 'sqlite-fts5' as const;
  readonly capabilities = { lockRowsOnRead: false };
  readonly #documentCounts = new DocumentCounts(FTS_TABLE);

  async createSchema(db: Kysely<any>): Promise<void> {
    // Contentless: the text lives in `video`; contentless_delete lets entries be deleted by rowid.
    await sql`create virtual table ${FTS} using fts5(
      title, tags, description,
      content = '', contentless_delete = 1, tokenize = 'unicode61', prefix = '2 3 4'
    )`.execute(db);
    await sql`create table ${META} (
      video_key integer primary key, channel_id integer not null, created_at integer not null, duration_sec real not null,
      tokens integer not null
    )`.execute(db);
  }

  async dropSchema(db: Kysely<any>): Promise<void> {
    await sql`drop table if exists ${FTS}`.execute(db);
    await sql`drop table if exists ${META}`.execute(db);
  }

  async upsert(db: Kysely<any>, documents: readonly SearchDocument[]): Promise<void> {
    for (let i = 0; i < documents.length; i += BATCH) {
      const batch = documents.slice(i, i + BATCH);
      // FTS5 has no upsert: delete then insert, in the caller's transaction.
      await this.remove(db, batch.map((d) => d.id));
      const columns = batch.map((d) => [words(d.title), words(d.tags.join(' ')), words(d.description)]);
      const text = batch.map((d, j) => sql`(${key(d.id)}, ${sql.join(columns[j]!.map((w) => w.join(' ')))})`);
      await sql`insert into ${FTS} (rowid, title, tags, description) values ${sql.join(text)}`.execute(db);
      // The words are the tokens unicode61 finds in the folded text: bm25df's row length.
      const meta = batch.map((d, j) => sql`(${key(d.id)}, ${BigInt(d.channelId)}, ${d.createdAt}, ${d.durationSec}, ${columns[j]!.reduce((n, c) => n + c.length, 0)})`);
      await sql`insert into ${META} (video_key, channel_id, created_at, duration_sec, tokens) values ${sql.join(meta)}`.execute(db);
    }
  }

  async remove(db: Kysely<any>, ids: readonly VideoId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH).map(key);
      await sql`delete from ${FTS} where rowid in (${sql.join(batch)})`.execute(db);
      await sql`delete from ${META} where video_key in (${sql.join(batch)})`.execute(db);
    }
  }

  async search(db: Kysely<any>, query: SearchQuery): Promise<SearchHit[]> {
    const { filters: f, after } = query;
    const where: RawBuilder<unknown>[] = [sql`${FTS} match ${matchExpression(query)}`];
    if (f.channelId !== undefined) where.push(sql`m.channel_id = ${BigInt(f.channelId)}`);
    if (f.minDurationSec !== undefined) where.push(sql`m.duration_sec >= ${f.minDurationSec}`);
    if (f.maxDurationSec !== undefined) where.push(sql`m.duration_sec <= ${f.maxDurationSec}`);
    if (f.uploadedAfter !== undefined) where.push(sql`m.created_at >= ${f.uploadedAfter}`);
    if (f.uploadedBefore !== undefined) where.push(sql`m.created_at < ${f.uploadedBefore}`);
    const matches = sql`from ${FTS} join ${META} m on m.video_key = ${FTS}.rowid`;
    let rows: Array<{ id: unknown; value: unknown }>;
    if (query.sort === 'relevance') {
      // A trailing prefix matches but is not scored: its count is NULL.
      const counts = await this.#documentCounts.of(db, scoredTerms(query));
      const score = sql`bm25df(${FTS}, ${WEIGHTS}, m.tokens, ${sql.join([...counts, ...(query.prefix ? [null] : [])])})`;
      const page = after ? sql`where value < ${after.value} or (value = ${after.value} and id < ${BigInt(after.id)})` : sql``;
      // The newest `candidates` matches that pass the filters (FTS5 streams them and stops), best first.
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select id, value from (
            select -${FTS}.rowid as id, ${score} as value ${matches}
            where ${sql.join(where, sql` and `)} order by ${FTS}.rowid limit ${query.candidates}
          ) ${page}
          order by value desc, id desc limit ${query.limit}`.execute(db)
      ).rows;
    } else if (query.sort === 'date') {
      if (after) where.push(sql`${FTS}.rowid > ${key(after.id)}`);
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select -${FTS}.rowid as id, m.created_at as value ${matches}
          where ${sql.join(where, sql` and `)}
          order by ${FTS}.rowid limit ${query.limit}`.execute(db)
      ).rows;
    } else {
      if (after) where.push(sql`(v.view_count < ${after.value} or (v.view_count = ${after.value} and ${FTS}.rowid > ${key(after.id)}))`);
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select -${FTS}.rowid as id, v.view_count as value ${matches} join video v on v.id = -${FTS}.rowid
          where ${sql.join(where, sql` and `)}
          order by v.view_count desc, ${FTS}.rowid limit ${query.limit}`.execute(db)
      ).rows;
    }
    return rows.map((r) => ({ id: String(r.id) as VideoId, value: Number(r.value) }));
  }

  async indexedIds(db: Kysely<any>, after: VideoId | null, limit: number): Promise<VideoId[]> {
    const from = after === null ? 0n : key(after);
    const result = await sql<{ id: string }>`select -video_key as id from ${META} where video_key < ${from} order by video_key desc limit ${limit}`.execute(db);
    return result.rows.map((r) => String(r.id) as VideoId);
  }
}
