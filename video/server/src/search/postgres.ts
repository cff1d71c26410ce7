/**
 * The scale-out search index: a PostgreSQL table with one weighted tsvector per video —
 * title weight A, tags B, description C (`setweight`) — under a GIN index, ranked by
 * ts_rank_cd with weights {D,C,B,A} = {0.05, 0.1, 0.4, 1.0}, the same 10 : 4 : 1 ratio as
 * the embedded bm25 weights. Prefix terms use tsquery's `:*`, which the GIN index serves.
 * The `simple` configuration keeps words as they are (text arrives folded, terms.ts).
 * Relevance ranks the newest `candidates` matches only (ids first, then ts_rank_cd over
 * those), so a frequent term does not rank every row it matches; a trailing prefix
 * narrows the matches but is not scored (see SearchQuery.prefix).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { VideoId } from '../ids.ts';
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from './interface.ts';
import { foldText, scoredTerms } from './terms.ts';

const BATCH = 500;
const WEIGHTS = sql.raw(`'{0.05,0.1,0.4,1.0}'::float4[]`);

/** `'a' & 'b':*` — terms are letters and digits only (terms.ts), so quoting them is enough. */
function tsquery(query: Pick<SearchQuery, 'terms' | 'prefix'>): string {
  return query.terms.map((t, i) => `'${t}'${query.prefix && i === query.terms.length - 1 ? ':*' : ''}`).join(' & ');
}

export class PostgresSearchIndex implements SearchIndex {
  readonly name = 'postgres-tsvector' as const;
  readonly capabilities = { lockRowsOnRead: true };

  async createSchema(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('video_search')
      .addColumn('video_id', 'bigint', (c) => c.primaryKey())
      .addColumn('channel_id', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('duration_sec', 'double precision', (c) => c.notNull())
      .addColumn('document', sql`tsvector`, (c) => c.notNull())
      .execute();
    await sql`create index video_search_document on video_search using gin (document)`.execute(db);
  }

  async dropSchema(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('video_search').ifExists().execute();
  }

  async upsert(db: Kysely<any>, documents: readonly SearchDocument[]): Promise<void> {
    for (let i = 0; i < documents.length; i += BATCH) {
      const rows = documents.slice(i, i + BATCH).map(
        (d) => sql`(${d.id}, ${d.channelId}, ${d.createdAt}, ${d.durationSec},
          setweight(to_tsvector('simple', ${foldText(d.title)}), 'A') ||
          setweight(to_tsvector('simple', ${foldText(d.tags.join(' '))}), 'B') ||
          setweight(to_tsvector('simple', ${foldText(d.description)}), 'C'))`,
      );
      await sql`insert into video_search (video_id, channel_id, created_at, duration_sec, document) values ${sql.join(rows)}
        on conflict (video_id) do update set channel_id = excluded.channel_id, created_at = excluded.created_at,
          duration_sec = excluded.duration_sec, document = excluded.document`.execute(db);
    }
  }

  async remove(db: Kysely<any>, ids: readonly VideoId[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BATCH) {
      await db.deleteFrom('video_search').where('video_id', 'in', ids.slice(i, i + BATCH)).execute();
    }
  }

  async search(db: Kysely<any>, query: SearchQuery): Promise<SearchHit[]> {
    const { filters: f, after } = query;
    const where: RawBuilder<unknown>[] = [sql`s.document @@ q`];
    if (f.channelId !== undefined) where.push(sql`s.channel_id = ${f.channelId}`);
    if (f.minDurationSec !== undefined) where.push(sql`s.duration_sec >= ${f.minDurationSec}`);
    if (f.maxDurationSec !== undefined) where.push(sql`s.duration_sec <= ${f.maxDurationSec}`);
    if (f.uploadedAfter !== undefined) where.push(sql`s.created_at >= ${f.uploadedAfter}`);
    if (f.uploadedBefore !== undefined) where.push(sql`s.created_at < ${f.uploadedBefore}`);
    const matches = sql`from video_search s cross join to_tsquery('simple', ${tsquery(query)}) q`;
    let rows: Array<{ id: unknown; value: unknown }>;
    if (query.sort === 'relevance') {
      // The matches through the GIN index (materialized: ordering by id would otherwise tempt
      // the planner into walking the primary key backwards, testing @@ on every row), the
      // newest `candidates` of them, then ts_rank_cd for those alone.
      const page = after ? sql`where r.value < ${after.value} or (r.value = ${after.value} and r.id < ${after.id})` : sql``;
      const scored = scoredTerms(query);
      // A prefix alone has nothing to score: its matches come newest first.
      const rank = scored.length === 0 ? sql`0::float8` : sql`ts_rank_cd(${WEIGHTS}, s.document, to_tsquery('simple', ${tsquery({ terms: scored, prefix: false })}))::float8`;
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          with matched as materialized (
            select s.video_id ${matches} where ${sql.join(where, sql` and `)}
          ), candidate as (
            select video_id from matched order by video_id desc limit ${query.candidates}
          ), ranked as (
            select s.video_id as id, ${rank} as value
            from candidate c join video_search s on s.video_id = c.video_id
          )
          select r.id, r.value from ranked r ${page} order by r.value desc, r.id desc limit ${query.limit}`.execute(db)
      ).rows;
    } else if (query.sort === 'date') {
      if (after) where.push(sql`s.video_id < ${after.id}`);
      rows = (await sql<{ id: unknown; value: unknown }>`select s.video_id as id, s.created_at as value ${matches} where ${sql.join(where, sql` and `)} order by s.video_id desc limit ${query.limit}`.execute(db)).rows;
    } else {
      if (after) where.push(sql`(v.view_count < ${after.value} or (v.view_count = ${after.value} and s.video_id < ${after.id}))`);
      rows = (
        await sql<{ id: unknown; value: unknown }>`
          select s.video_id as id, v.view_count as value ${matches} join video v on v.id = s.video_id
          where ${sql.join(where, sql` and `)} order by v.view_count desc, s.video_id desc limit ${query.limit}`.execute(db)
      ).rows;
    }
    return rows.map((r) => ({ id: String(r.id) as VideoId, value: Number(r.value) }));
  }

  async indexedIds(db: Kysely<any>, after: VideoId | null, limit: number): Promise<VideoId[]> {
    const rows = await db.selectFrom('video_search').select('video_id').where('video_id', '>', after ?? '0').orderBy('video_id').limit(limit).execute();
    return rows.map((r) => String(r.video_id) as VideoId);
  }
}
