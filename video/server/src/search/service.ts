/**
 * Search as the API offers it: turns the request into index terms and filters, pages the
 * index's hits with a signed cursor whose scope is the query itself (a cursor of one
 * search is refused by another), and shows each hit from its `video` row — re-checked
 * public and ready, so a video made private a moment ago is not shown even while the
 * index still has it.
 */
import { createHash } from 'node:crypto';
import { AppError, platformErrors, type Platform } from '@twin/platform';
import { publishedSummaries, type VideoSummaryRow } from '../catalog/store.ts';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type ChannelId, type VideoId } from '../ids.ts';
import type { SearchFilters, SearchIndex, SearchPosition, SearchSort } from './interface.ts';
import { queryTerms } from './terms.ts';

export interface SearchRequest {
  q: string;
  prefix?: boolean;
  channelId?: string;
  minDurationSec?: number;
  maxDurationSec?: number;
  uploadedAfter?: number;
  uploadedBefore?: number;
  sort?: SearchSort;
  cursor?: string;
  limit: number;
}

export interface SearchResult extends VideoSummaryRow {
  description: string;
  tags: string[];
  /** The relevance score (higher is better); null when sorted by date or views. */
  score: number | null;
}

export class SearchService {
  readonly #platform: Platform;
  readonly index: SearchIndex;
  readonly #candidates: number;

  constructor(platform: Platform, index: SearchIndex, settings: { searchCandidates: number }) {
    this.#platform = platform;
    this.index = index;
    this.#candidates = settings.searchCandidates;
  }

  async search(request: SearchRequest): Promise<{ items: SearchResult[]; nextCursor: string | null }> {
    const terms = queryTerms(request.q);
    if (terms.length === 0) throw new AppError(videoErrors.invalid_search_query, 'q must contain at least one word (letters or digits).');
    const filters = searchFilters(request);
    const sort = request.sort ?? 'relevance';
    const prefix = request.prefix ?? false;
    const scope = `video-search:${createHash('sha256').update(JSON.stringify([terms, prefix, filters, sort])).digest('base64url').slice(0, 22)}`;
    const after = request.cursor === undefined ? undefined : this.#position(scope, request.cursor);
    const db = videoDb(this.#platform);
    const hits = await this.index.search(db, { terms, prefix, filters, sort, candidates: this.#candidates, ...(after ? { after } : {}), limit: request.limit + 1 });
    const page = hits.slice(0, request.limit);
    const videos = await publishedSummaries(db, page.map((h) => h.id));
    const items = page.flatMap((hit) => {
      const video = videos.get(hit.id);
      return video ? [{ ...video, score: sort === 'relevance' ? hit.value : null }] : [];
    });
    const last = page.at(-1);
    return { items, nextCursor: hits.length > request.limit && last ? this.#platform.cursors.encode(scope, [last.value, last.id]) : null };
  }

  #position(scope: string, cursor: string): SearchPosition {
    const [value, id, extra] = this.#platform.cursors.decode(scope, cursor);
    if (typeof value !== 'number' || typeof id !== 'string' || extra !== undefined || !isStorableId(id)) throw new AppError(platformErrors.invalid_cursor, 'The cursor is not valid: malformed key.');
    return { value, id: id as VideoId };
  }
}

function searchFilters(r: SearchRequest): SearchFilters {
  if (r.minDurationSec !== undefined && r.maxDurationSec !== undefined && r.minDurationSec > r.maxDurationSec) {
    throw new AppError(videoErrors.invalid_search_query, 'minDurationSec is above maxDurationSec.');
  }
  if (r.uploadedAfter !== undefined && r.uploadedBefore !== undefined && r.uploadedAfter >= r.uploadedBefore) {
    throw new AppError(videoErrors.invalid_search_query, 'uploadedAfter must be before uploadedBefore.');
  }
  if (r.channelId !== undefined && !isStorableId(r.channelId)) throw new AppError(videoErrors.channel_not_found);
  return {
    ...(r.channelId !== undefined ? { channelId: r.channelId as ChannelId } : {}),
    ...(r.minDurationSec !== undefined ? { minDurationSec: r.minDurationSec } : {}),
    ...(r.maxDurationSec !== undefined ? { maxDurationSec: r.maxDurationSec } : {}),
    ...(r.uploadedAfter !== undefined ? { uploadedAfter: r.uploadedAfter } : {}),
    ...(r.uploadedBefore !== undefined ? { uploadedBefore: r.uploadedBefore } : {}),
  };
}
