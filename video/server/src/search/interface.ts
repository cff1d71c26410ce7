/**
 * The search-index seam: full-text search over the public, ready videos with field
 * weights (title > tags > description), prefix matching, filters and three sort orders,
 * paged by keyset. Two implementations over the SQL engine the platform already runs:
 * SQLite FTS5 ranked by bm25() with column weights (embedded), and PostgreSQL with a
 * weighted tsvector (setweight A/B/C) under a GIN index ranked by ts_rank_cd
 * (scale-out). The index holds only what search needs; the `video` table stays the
 * truth, and what goes in is decided by the sync consumer and the reindex.
 *
 * Every method takes the Kysely executor to run on, so callers put index writes in the
 * transaction that read the rows they index.
 */
import type { Kysely } from 'kysely';
import type { ChannelId, VideoId } from '../ids.ts';

/** One video as the index stores it. Text is folded (see terms.ts) before it is stored. */
export interface SearchDocument {
  readonly id: VideoId;
  readonly channelId: ChannelId;
  readonly title: string;
  readonly tags: readonly string[];
  readonly description: string;
  readonly durationSec: number;
  /** Upload time, epoch ms: what the date filter and the date sort use. */
  readonly createdAt: number;
}

export const SEARCH_SORTS = ['relevance', 'date', 'views'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchFilters {
  readonly channelId?: ChannelId;
  readonly minDurationSec?: number;
  readonly maxDurationSec?: number;
  /** Uploaded at or after (epoch ms). */
  readonly uploadedAfter?: number;
  /** Uploaded before (epoch ms). */
  readonly uploadedBefore?: number;
}

/** Where a page starts: after the hit with this sort value and id (both descending). */
export interface SearchPosition {
  readonly value: number;
  readonly id: VideoId;
}

export interface SearchQuery {
  /** Folded terms (terms.ts), 1..MAX_TERMS; a video matches when it has every term. */
  readonly terms: readonly string[];
  /**
   * The last term matches every word it begins (search-as-you-type). It narrows the
   * matches but is not scored, as Lucene constant-scores a prefix query: relevance is the
   * score of the complete terms, and a prefix alone ranks its matches newest first. A
   * short prefix stands for many words and most documents, so scoring it tells little
   * (its IDF is ~0), and counting its documents for that IDF took 26 ms for a 3-letter
   * prefix at 1M videos.
   */
  readonly prefix: boolean;
  readonly filters: SearchFilters;
  /**
   * `relevance`: weighted score, best first, ties by id; `date`: newest upload first (by
   * id: ids are time-ordered); `views`: most viewed first (the `video` table's view_count,
   * written behind by views/), ties by id.
   */
  readonly sort: SearchSort;
  /**
   * Relevance ranks at most this many matches, the newest: a term found in more videos
   * than this returns the best of its newest `candidates`. Scoring every match of a
   * frequent term (tens of thousands at 1M videos) costs tens of milliseconds on either
   * engine; the newest N are read in id order, which both indexes stream and stop early.
   */
  readonly candidates: number;
  readonly after?: SearchPosition;
  readonly limit: number;
}

export interface SearchHit {
  readonly id: VideoId;
  /** The sort key: the score (higher is better) for relevance, createdAt for date (paged by id alone), view count for views. */
  readonly value: number;
}

export interface SearchIndexCapabilities {
  /**
   * Reads of `video` rows that feed the index can take row locks (`FOR SHARE`), so a
   * concurrent metadata update waits for the index write and its own event comes after.
   * False where writers are serialised anyway (SQLite: one writer at a time).
   */
  readonly lockRowsOnRead: boolean;
}

export interface SearchIndex {
  /** For logs and the benchmark table. */
  readonly name: 'sqlite-fts5' | 'postgres-tsvector';
  readonly capabilities: SearchIndexCapabilities;
  /** Creates the index's tables and indexes (called by the feature's migrations). */
  createSchema(db: Kysely<any>): Promise<void>;
  /** Drops what createSchema (and any earlier layout of this index) created; missing tables are fine. */
  dropSchema(db: Kysely<any>): Promise<void>;
  /** Inserts or replaces these documents (distinct ids); one statement per batch, not per document. */
  upsert(db: Kysely<any>, documents: readonly SearchDocument[]): Promise<void>;
  /** Removes these videos; ids not indexed are ignored. */
  remove(db: Kysely<any>, ids: readonly VideoId[]): Promise<void>;
  /** Up to `limit` hits in sort order, after `query.after` when given. */
  search(db: Kysely<any>, query: SearchQuery): Promise<SearchHit[]>;
  /** Indexed ids above `after` (ascending), at most `limit`: how a reindex finds entries whose video is gone. */
  indexedIds(db: Kysely<any>, after: VideoId | null, limit: number): Promise<VideoId[]>;
}
