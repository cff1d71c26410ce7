/** HTTP surface of trending: the public list, paged with an opaque cursor. */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema } from '../ids.ts';
import { originPath } from '../views/origin-path.ts';
import type { TrendingItem, TrendingService } from './service.ts';

const TrendingVideo = Type.Object({
  id: IdSchema,
  channelId: IdSchema,
  title: Type.String(),
  durationSec: Type.Union([Type.Number(), Type.Null()]),
  viewCount: Type.Integer({ description: 'Views written to SQL so far (lags by up to VIDEO_VIEW_FLUSH_INTERVAL).' }),
  createdAt: Type.Integer({ description: 'Epoch ms.' }),
  poster: Type.Union([Type.String(), Type.Null()], { description: 'Poster path on the origin (`/v/{id}/poster.jpg`).' }),
  score: Type.Number({ description: 'Views decayed by VIDEO_TRENDING_HALF_LIFE as of the last recompute.' }),
});

const toBody = (item: TrendingItem) => ({ ...item, poster: item.poster ? originPath(item.poster) : null });

export async function trendingRoutes(app: HttpApp, deps: { trending: TrendingService }): Promise<void> {
  const { trending } = deps;
  app.get(
    '/v1/videos/trending',
    {
      schema: {
        tags: ['videos'],
        summary: 'Trending public videos: views with exponential decay, recomputed every VIDEO_TRENDING_INTERVAL',
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 2048 })), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(TrendingVideo), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const page = await trending.page({ cursor: request.query.cursor, limit: request.query.limit });
      return { items: page.items.map(toBody), nextCursor: page.nextCursor };
    },
  );
}
