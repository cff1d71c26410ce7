/** HTTP surface of search: `GET /v1/search/videos`, public, paged with an opaque cursor. */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { summaryBody, VideoSummary } from '../catalog/routes.ts';
import { IdSchema } from '../ids.ts';
import { SEARCH_SORTS } from './interface.ts';
import type { SearchResult, SearchService } from './service.ts';

const SearchItem = Type.Object({
  ...VideoSummary.properties,
  description: Type.String(),
  tags: Type.Array(Type.String()),
  score: Type.Union([Type.Number(), Type.Null()], { description: 'Relevance (higher is better; comparable within one search only); null for the date and views sorts.' }),
});

const toBody = (r: SearchResult) => ({ ...summaryBody(r), description: r.description, tags: r.tags, score: r.score });

export async function searchRoutes(app: HttpApp, deps: { search: SearchService }): Promise<void> {
  const { search } = deps;
  app.get(
    '/v1/search/videos',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search over public videos: title, then tags, then description',
        description:
          'Every word of `q` must match (title, tags or description; case and accents ignored). With `prefix=true` the last word matches every word it begins (search-as-you-type). Only public, ready videos are found.',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 200 }),
            prefix: Type.Boolean({ default: false }),
            sort: Type.Enum(SEARCH_SORTS, { default: 'relevance', description: '`relevance` (weighted score), `date` (newest upload first) or `views` (most viewed first).' }),
            channelId: Type.Optional(IdSchema),
            minDurationSec: Type.Optional(Type.Number({ minimum: 0 })),
            maxDurationSec: Type.Optional(Type.Number({ minimum: 0 })),
            uploadedAfter: Type.Optional(Type.Integer({ minimum: 0, description: 'Uploaded at or after (epoch ms).' })),
            uploadedBefore: Type.Optional(Type.Integer({ minimum: 0, description: 'Uploaded before (epoch ms).' })),
            cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page of the same search.' })),
            limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(SearchItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const page = await search.search(request.query);
      return { items: page.items.map(toBody), nextCursor: page.nextCursor };
    },
  );
}
