/**
 * HTTP surface of videos for their owner: read one (status, progress, failure reason,
 * metadata) and watch it live through Server-Sent Events. The public catalog is the
 * "Video delivery and catalog" issue.
 */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import type { LiveEvent } from './live.ts';
import type { OwnedVideo, VideoService } from './service.ts';
import { VIDEO_FAILURE_REASONS, VIDEO_STATUSES, VISIBILITIES } from './status.ts';

const Video = Type.Object({
  id: IdSchema,
  channelId: IdSchema,
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  filename: Type.String(),
  visibility: Type.Enum(VISIBILITIES),
  status: Type.Enum(VIDEO_STATUSES),
  failureReason: Type.Union([Type.Enum(VIDEO_FAILURE_REASONS), Type.Null()]),
  failureMessage: Type.Union([Type.String(), Type.Null()]),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  sizeBytes: Type.Integer(),
  durationSec: Type.Union([Type.Number(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.Unknown({ description: 'Probe of the source (container, codecs, fps) once uploaded.' }),
  outputs: Type.Unknown({ description: 'Once ready: blob keys of the master playlist, rungs (size, codecs, segments), poster and storyboard.' }),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export function videoBody(v: OwnedVideo) {
  return {
    id: v.id,
    channelId: v.channelId,
    title: v.title,
    description: v.description,
    tags: v.tags,
    filename: v.filename,
    visibility: v.visibility,
    status: v.status,
    failureReason: v.failureReason,
    failureMessage: v.failureMessage,
    progress: v.progress,
    sizeBytes: v.sizeBytes,
    durationSec: v.durationSec,
    width: v.width,
    height: v.height,
    source: v.sourceInfo,
    outputs: v.outputs,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}

const KEEPALIVE_MS = 15_000;

export async function videoRoutes(app: HttpApp, deps: { videos: VideoService }): Promise<void> {
  const { videos } = deps;
  const tags = ['videos'];
  const params = Type.Object({ id: IdSchema });

  app.get(
    '/v1/videos/:id',
    { config: { auth: 'required' }, schema: { tags, summary: 'Read one of the caller’s videos with its processing state', security, params, response: { 200: Video } } },
    async (request) => videoBody(await videos.getOwned(request.auth!.accountId as AccountId, request.params.id)),
  );

  app.get(
    '/v1/videos/:id/events',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Watch processing live (text/event-stream): `status` and `progress` events; the current state comes first',
        security,
        params,
      },
    },
    async (request, reply) => {
      const video = await videos.getOwned(request.auth!.accountId as AccountId, request.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const send = (event: LiveEvent) => {
        if (!res.writableEnded) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      // Subscribe before reading the state again, so a change in between is not lost (events may repeat; they are idempotent).
      const unsubscribe = await videos.live.subscribe(video.id, send);
      const now = await videos.getOwned(video.accountId, video.id);
      send({ type: 'status', status: now.status, reason: now.failureReason, message: now.failureMessage });
      if (now.status === 'processing') send({ type: 'progress', fraction: now.progress });
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const close = () => {
        clearInterval(keepalive);
        void unsubscribe();
      };
      request.raw.once('close', close);
      res.once('close', close);
    },
  );
}
