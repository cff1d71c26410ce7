/**
 * The embedded search index: a contentless SQLite FTS5 table (rowid = video id) over the
 * three searched columns — title, tags, description — and a small rowid table of the
 * filter columns beside it, so a filter reads a few bytes per match rather than the
 * whole document. Ranking is FTS5's bm25() with column weights 10 / 4 / 1 (title > tags
 * > description); bm25 is lower-is-better, so the score exposed is its negation. FTS5
 * streams matches in rowid order and stops at a LIMIT, which makes the date sort and the
 * relevance candidates (the newest N matches) cost N rows, not every match. Prefix
 * indexes on 2-, 3- and 4-character prefixes make search-as-you-type a lookup; a prefix
 * narrows the matches but is not scored (see SearchQuery.prefix), so the candidates are
 * found with it and scored by bm25 over the complete terms alone.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { VideoId } from '../ids.ts';
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from './interface.ts';
import { foldText, scoredTerms } from './terms.ts';

const FTS = sql.table('video_search_fts');
const META = sql.table('video_search_meta');
/** Higher is better: bm25 with column weights title 10, tags 4, description 1, negated. */
const BM25 = sql`-bm25(${FTS}, 10.0, 4.0, 1.0)`;
/** Documents per statement: 4 parameters each stays far below SQLite's 32 766. */
const BATCH = 500;

/** `"a" "b"*`: every term required (implicit AND), quoted so no term is read as FTS5 syntax. */
function matchExpression(query: Pick<SearchQuery, 'terms' | 'prefix'>): string {
  return query.terms.map((t, i) => `"${t}"${query.prefix && i === query.terms.length - 1 ? '*' : ''}`).join(' ');
}

export class SqliteSearchIndex implements SearchIndex {
  readonly name = 'sqlite-fts5' as const;
  readonly capabilities = { lockRowsOnRead: false };

  async createSchema(db: Kysely<any>): Promise<void> {
    // Contentless: the text lives in `video`; contentless_delete lets entries be deleted by rowid.
    await sql`create virtual table ${FTS} using fts5(
      title, tags, description,
      content = '', contentless_delete = 1, tokenize = 'unicode61', prefix = '2 3 4'
    )`.execute(db);
    await sql`create table ${META} (
      video_id integer primary key, channel_id integer not null, created_at integer not null, duration_sec real not null
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
      const text = batch.map((d) => sql`(${BigInt(d.id)}, ${foldText(d.title)}, ${foldText(d.tags.join(' '))}, ${foldText(d.description)})`);
      await sql`insert into ${FTS} (rowid, title, tags, description) values ${sql.join(text)}`.execute(db);
      const meta = batch.map((d) => sql`(${BigInt(d.id)}, ${BigInt(d.channelId)}, ${d.createdAt}, ${d.durationSec})`);
      await sql`insert into ${META} (video_id, channel_id, created_at, duration_sec) values ${sql.join(meta)}`.execute(db);
    }
  }

  async remove(db: Kysely<any>, ids: readonly VideoId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH).map((id) => BigInt(id));
      await sql`delete from ${FTS} where rowid in (${sql.join(batch)})`.execute(db);
      await sql`delete from ${META} where video_id in (${sql.join(batch)})`.execute(db);
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
    const matches = sql`from ${FTS} join ${META} m on m.video_id = ${FTS}.rowid`;
    let rows: Array<{ id: unknown; value: unknown }>;
    if (query.sort === 'relevance') {
      const page = after ? sql`where value < ${after.value} or (value = ${after.value} and id < ${BigInt(after.id)})` : sql``;
      // The newest `candidates` matches that pass the filters: FTS5 streams them by rowid and stops.
      const newest = sql`${matches} where ${sql.join(where, sql` and `)} order by ${FTS}.rowid desc limit ${query.candidates}`;
      const scored = scoredTerms(query);
      let ranked: RawBuilder<unknown>;
      if (!query.prefix) {
        ranked = sql`select ${FTS}.rowid as id, ${BM25} as value ${newest}`;
      } else if (scored.length > 0) {
        // bm25 counts every document of each phrase it scores, which for a short prefix is
        // most of the corpus: found with the prefix, the candidates are scored by a second
        // cursor over the complete terms, read across the candidates' id range only.
        ranked = sql`select ${FTS}.rowid as id, ${BM25} as value from ${FTS}
          where ${FTS} match ${matchExpression({ terms: scored, prefix: false })}
            and ${FTS}.rowid >= (select min(id) from candidate) and ${FTS}.rowid <= (select max(id) from candidate)
            and +${FTS}.rowid in (select id from candidate)`;
      } else {
        // A prefix alone: nothing to score, so its matches come newest first.
        ranked = sql`select id, 0.0 as value from candidate`;
      }
      const withCandidates = query.prefix ? sql`with candidate as materialized (select ${FTS}.rowid as id ${newest})` : sql``;
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          ${withCandidates}
          select id, value from (${ranked}) ${page}
          order by value desc, id desc limit ${query.limit}`.execute(db)
      ).rows;
    } else if (query.sort === 'date') {
      if (after) where.push(sql`${FTS}.rowid < ${BigInt(after.id)}`);
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select ${FTS}.rowid as id, m.created_at as value ${matches}
          where ${sql.join(where, sql` and `)}
          order by ${FTS}.rowid desc limit ${query.limit}`.execute(db)
      ).rows;
    } else {
      if (after) where.push(sql`(v.view_count < ${after.value} or (v.view_count = ${after.value} and ${FTS}.rowid < ${BigInt(after.id)}))`);
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select ${FTS}.rowid as id, v.view_count as value ${matches} join video v on v.id = ${FTS}.rowid
          where ${sql.join(where, sql` and `)}
          order by v.view_count desc, ${FTS}.rowid desc limit ${query.limit}`.execute(db)
      ).rows;
    }
    return rows.map((r) => ({ id: String(r.id) as VideoId, value: Number(r.value) }));
  }

  async indexedIds(db: Kysely<any>, after: VideoId | null, limit: number): Promise<VideoId[]> {
    const result = await sql<{ id: string }>`select video_id as id from ${META} where video_id > ${BigInt(after ?? 0)} order by video_id limit ${limit}`.execute(db);
    return result.rows.map((r) => String(r.id) as VideoId);
  }
}
