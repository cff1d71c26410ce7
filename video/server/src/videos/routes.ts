/**
 * HTTP surface of a video: its detail as the caller may see it (catalog/visibility.ts:
 * the owner sees everything, including the failure reason and the source probe; anyone
 * else a public or unlisted ready video's public fields), and, for its owner, its
 * processing watched live through Server-Sent Events.
 */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import { isOwner } from '../catalog/visibility.ts';
import type { CatalogService, VideoDetail } from '../catalog/service.ts';
import { PlaybackLinksSchema, type PlaybackUrls } from '../playback/index.ts';
import type { LiveEvent } from './live.ts';
import type { OwnedVideo, VideoService } from './service.ts';
import { VIDEO_FAILURE_REASONS, VIDEO_STATUSES, VISIBILITIES } from './status.ts';

const Video = Type.Object({
  id: IdSchema,
  channelId: IdSchema,
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  filename: Type.Optional(Type.String({ description: 'Owner only.' })),
  visibility: Type.Enum(VISIBILITIES),
  status: Type.Enum(VIDEO_STATUSES),
  failureReason: Type.Optional(Type.Union([Type.Enum(VIDEO_FAILURE_REASONS), Type.Null()], { description: 'Owner only.' })),
  failureMessage: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Owner only.' })),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  sizeBytes: Type.Optional(Type.Integer({ description: 'Owner only.' })),
  durationSec: Type.Union([Type.Number(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.Optional(Type.Unknown({ description: 'Owner only: probe of the source (container, codecs, fps) once uploaded.' })),
  outputs: Type.Optional(Type.Unknown({ description: 'Owner only: once ready, blob keys of the master playlist, rungs (size, codecs, segments), poster and storyboard.' })),
  rungs: Type.Array(Type.Object({ name: Type.String(), width: Type.Integer(), height: Type.Integer(), bandwidth: Type.Integer() }), { description: 'Once ready: the renditions of the ladder, best first.' }),
  viewCount: Type.Integer({ description: 'Views written to SQL so far (lags by up to VIDEO_VIEW_FLUSH_INTERVAL).' }),
  poster: Type.Union([Type.String(), Type.Null()], { description: 'Once ready: poster URL (signed like the playback links).' }),
  storyboard: Type.Union([Type.String(), Type.Null()], { description: 'Once ready: storyboard WebVTT URL (its cues point into the sprite beside it).' }),
  playback: Type.Union([PlaybackLinksSchema, Type.Null()], { description: 'Once ready: where a player fetches it (signed for unlisted and private videos).' }),
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

/** What anyone who may see the video gets; the owner also gets the fields of videoBody. */
function publicBody(v: VideoDetail) {
  const { filename, failureReason, failureMessage, sizeBytes, source, outputs, ...rest } = videoBody(v);
  void filename, failureReason, failureMessage, sizeBytes, source, outputs;
  return rest;
}

function rungsOf(outputs: unknown) {
  const rungs = (outputs as { rungs?: Array<{ name: string; width: number; height: number; bandwidth?: number }> } | null)?.rungs ?? [];
  return rungs.map((r) => ({ name: r.name, width: r.width, height: r.height, bandwidth: r.bandwidth ?? 0 }));
}

export async function videoRoutes(app: HttpApp, deps: { videos: VideoService; catalog: CatalogService; playback: PlaybackUrls }): Promise<void> {
  const { videos, catalog, playback } = deps;
  const tags = ['videos'];
  const params = Type.Object({ id: IdSchema });

  app.get(
    '/v1/videos/:id',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'A video’s detail: status, progress, playback links, poster, storyboard, rungs, duration, view count',
        description: 'Its owner sees any of its videos with every field; anyone else (signed in or not) a public or unlisted video once ready; otherwise 404 video_not_found.',
        security: [...security, {}],
        params,
        response: { 200: Video },
      },
    },
    async (request) => {
      const caller = request.auth?.accountId as AccountId | undefined;
      const video = await catalog.detail(caller, request.params.id);
      const links = playback.linksFor(video, caller);
      const extra = { rungs: rungsOf(video.outputs), viewCount: video.viewCount, poster: links?.poster ?? null, storyboard: links?.storyboard ?? null, playback: links };
      return { ...(isOwner(video, caller) ? videoBody(video) : publicBody(video)), ...extra };
    },
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
