/**
 * HTTP surface of view counting: start a play (get a play token) and send the view
 * beacon once the minimum watch time is played. Both work signed in or anonymous.
 */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, type AccountId } from '../ids.ts';
import type { ViewService } from './service.ts';

export async function viewRoutes(app: HttpApp, deps: { views: ViewService }): Promise<void> {
  const { views } = deps;
  const tags = ['views'];
  const params = Type.Object({ id: IdSchema });
  // Signed in or anonymous: OpenAPI's empty requirement makes the bearer token optional.
  const security: Array<Record<string, string[]>> = [{ bearer: [] }, {}];

  app.post(
    '/v1/videos/:id/views/start',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Start a play: returns the play token the view beacon must carry, and the watch time a view needs',
        description: 'Signed in, the viewer is the account; anonymous, a salted hash of the client IP and `anonymousId` (a random id the player keeps).',
        security,
        params,
        body: Type.Object({ anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ playToken: Type.String(), requiredWatchSeconds: Type.Number() }) },
      },
    },
    async (request) => views.startPlay(request.params.id, { accountId: request.auth?.accountId as AccountId | undefined, ip: request.ip, anonymousId: request.body.anonymousId }),
  );

  app.post(
    '/v1/videos/:id/views',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'View beacon: counts a view once per viewer per VIDEO_VIEW_WINDOW, after the minimum watch time',
        description: '`counted`: the view counts (view_count shows it within VIDEO_VIEW_FLUSH_INTERVAL); `duplicate`: this viewer was already counted in the window; `too_short`: not enough watched yet (send it again later with the same token).',
        security,
        params,
        body: Type.Object(
          { playToken: Type.String({ minLength: 1, maxLength: 2048 }), watchedSeconds: Type.Number({ minimum: 0, maximum: 172_800, description: 'Seconds of the video actually played.' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ outcome: Type.Union([Type.Literal('counted'), Type.Literal('duplicate'), Type.Literal('too_short')]) }) },
      },
    },
    async (request) => ({ outcome: await views.endPlay(request.params.id, request.body.playToken, request.body.watchedSeconds) }),
  );
}
