/**
 * HTTP surface of the catalog: a channel's videos and the latest public ones (keyset
 * pages with the platform's signed cursor), and the owner's metadata changes and
 * deletion of a video. A video's detail is `GET /v1/videos/:id` (videos/routes.ts).
 */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, type AccountId } from '../ids.ts';
import { VIDEO_STATUSES, VISIBILITIES } from '../videos/status.ts';
import { originPath } from '../views/origin-path.ts';
import type { CatalogService } from './service.ts';
import type { VideoSummaryRow } from './store.ts';

export const VideoSummary = Type.Object({
  id: IdSchema,
  channelId: IdSchema,
  title: Type.String(),
  visibility: Type.Enum(VISIBILITIES),
  status: Type.Enum(VIDEO_STATUSES),
  durationSec: Type.Union([Type.Number(), Type.Null()]),
  viewCount: Type.Integer({ description: 'Views written to SQL so far (lags by up to VIDEO_VIEW_FLUSH_INTERVAL).' }),
  createdAt: Type.Integer({ description: 'Epoch ms.' }),
  poster: Type.Union([Type.String(), Type.Null()], { description: 'Poster path on the origin (`/v/{id}/poster.jpg`) of a public ready video; the detail gives signed links for the others.' }),
});

const VideoMetadata = Type.Object({ ...VideoSummary.properties, description: Type.String(), tags: Type.Array(Type.String()) });

export function summaryBody(v: VideoSummaryRow) {
  const { posterKey, ...rest } = v;
  return { ...rest, poster: posterKey && v.visibility === 'public' ? originPath(posterKey) : null };
}

export const PageQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page.' })), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
  { additionalProperties: false },
);
const SummaryPage = Type.Object({ items: Type.Array(VideoSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) });
// Signed in or anonymous: OpenAPI's empty requirement makes the bearer token optional.
const optionalSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, {}];
const security = [{ bearer: [] }];

export async function catalogRoutes(app: HttpApp, deps: { catalog: CatalogService }): Promise<void> {
  const { catalog } = deps;
  const tags = ['videos'];
  const params = Type.Object({ id: IdSchema });

  app.get(
    '/v1/videos',
    { schema: { tags, summary: 'The latest public videos, newest first', querystring: PageQuery, response: { 200: SummaryPage } } },
    async (request) => {
      const page = await catalog.latest(request.query);
      return { items: page.items.map(summaryBody), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/channels/:id/videos',
    {
      config: { auth: 'optional' },
      schema: {
        tags: ['video channels'],
        summary: 'A channel’s videos, newest first: every one for its owner, the public ready ones for anyone else',
        security: optionalSecurity,
        params,
        querystring: PageQuery,
        response: { 200: SummaryPage },
      },
    },
    async (request) => {
      const page = await catalog.channelVideos(request.auth?.accountId as AccountId | undefined, request.params.id, request.query);
      return { items: page.items.map(summaryBody), nextCursor: page.nextCursor };
    },
  );

  app.patch(
    '/v1/videos/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Change a video’s title, description, tags or visibility (its owner only: 403 video_not_owned for a visible video of another account)',
        security,
        params,
        body: Type.Object(
          {
            title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
            description: Type.Optional(Type.String({ maxLength: 5000 })),
            tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' }), { maxItems: 30 })),
            visibility: Type.Optional(Type.Enum(VISIBILITIES)),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: VideoMetadata },
      },
    },
    async (request) => {
      const { title, tags: videoTags, ...rest } = request.body;
      const video = await catalog.update(request.auth!.accountId as AccountId, request.params.id, {
        ...rest,
        ...(title !== undefined ? { title: title.trim() } : {}),
        ...(videoTags !== undefined ? { tags: [...new Set(videoTags.map((t) => t.trim()))] } : {}),
      });
      const posterKey = (video.outputs as { poster?: string } | null)?.poster ?? null;
      return { ...summaryBody({ ...video, posterKey }), description: video.description, tags: video.tags };
    },
  );

  app.delete(
    '/v1/videos/:id',
    { config: { auth: 'required' }, schema: { tags, summary: 'Delete a video with its files, captions and watch progress (its owner only)', security, params } },
    async (request, reply) => {
      await catalog.delete(request.auth!.accountId as AccountId, request.params.id);
      return reply.code(204).send();
    },
  );
}
