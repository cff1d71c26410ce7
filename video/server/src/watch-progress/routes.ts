/** HTTP surface of watch progress: save and read the caller's position in a video. */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import type { WatchProgressService } from './service.ts';

const Progress = Type.Object({
  positionSec: Type.Number({ description: 'Last saved position, seconds from the start.' }),
  resumeAtSec: Type.Number({ description: 'Where playback should resume: the position, or 0 once the video was watched to the end.' }),
  finished: Type.Boolean(),
  updatedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch ms of the last save; null when never saved.' }),
});

export async function watchProgressRoutes(app: HttpApp, deps: { progress: WatchProgressService }): Promise<void> {
  const { progress } = deps;
  const tags = ['watch progress'];
  const params = Type.Object({ id: IdSchema });
  app.put(
    '/v1/videos/:id/progress',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Save where the caller is in the video (players send it every few seconds and on pause)',
        security,
        params,
        body: Type.Object({ positionSec: Type.Number({ minimum: 0, maximum: 172_800 }) }, { additionalProperties: false }),
        response: { 200: Progress },
      },
    },
    async (request) => progress.save(request.auth!.accountId as AccountId, request.params.id, request.body.positionSec),
  );
  app.get(
    '/v1/videos/:id/progress',
    { config: { auth: 'required' }, schema: { tags, summary: 'Where the caller stopped watching the video', security, params, response: { 200: Progress } } },
    async (request) => progress.get(request.auth!.accountId as AccountId, request.params.id),
  );
}
