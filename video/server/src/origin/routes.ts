/**
 * The origin's HTTP surface: `GET`/`HEAD /v/{id}/…` serves a ready video's files from the
 * blob seam (`videos/{id}/…`), with the signed form `/v/{id}/{expires}/{sig}/…` for
 * unlisted and private videos, and CORS so players on any site can fetch them (with the
 * preflight a Range or If-None-Match header triggers).
 *
 * These routes skip the platform's per-IP rate limit: behind an edge every request comes
 * from a handful of edge addresses, which one bucket would throttle together; the edge
 * limits each client itself (`limit_req`), and a file read costs no write anywhere. Nor do
 * they write an access line per file (a player fetches one every few seconds; that log is
 * the edge's): RED metrics still count every request, and failures are still logged.
 *
 * `GET` and `HEAD` are answered by node:http before Fastify routes them (a raw route, see
 * the platform's http/raw-routes.ts): a 1 KB playlist ran at 1.41× the requests/s it made
 * through Fastify's routing, request and reply objects and hooks (8 pairs of fresh
 * processes). The Fastify route gives the same answer, for the OpenAPI document, `inject`
 * and a draining server.
 */
import type { IncomingHttpHeaders, Server } from 'node:http';
import { Type } from 'typebox';
import { AppError, addRawRoute, invalidRequestPart, type HttpApp, type RawRoute } from '@twin/platform';
import type { BlobStore } from '@twin/platform/blob';
import { videoErrors } from '../errors.ts';
import { ID_PATTERN, IdSchema } from '../ids.ts';
import { parsePlaybackPath } from '../playback/index.ts';
import type { CachePolicyOptions } from './cache-policy.ts';
import { PAD_HEADER, padForEdgeCache } from './edge-cache-alignment.ts';
import { sendBody } from './send-body.ts';
import { serveFile, type FileResponse } from './serve-file.ts';
import type { VideoAccess } from './video-access.ts';

export interface OriginRoutesOptions {
  /** The blob seam, or the micro-cache in front of it (`RecentFiles`). */
  files: Pick<BlobStore, 'get' | 'head'>;
  access: VideoAccess;
  policy: CachePolicyOptions;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'content-length, content-range, accept-ranges, etag, last-modified, x-request-id',
};
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'range, if-none-match, if-modified-since, if-range',
  'access-control-max-age': '86400',
};

const params = Type.Object({
  id: IdSchema,
  '*': Type.String({ description: 'The file under the video’s prefix (`hls/master.m3u8`, `hls/720p/seg-1.m4s`, `poster.jpg`, `storyboard/storyboard.vtt`), after `{expires}/{sig}/` for a signed URL.' }),
});
const headers = Type.Object({
  range: Type.Optional(Type.String({ description: 'One byte range, `bytes=start-end`, `bytes=start-` or `bytes=-suffix` (206); several are answered with the whole file.' })),
  'if-none-match': Type.Optional(Type.String()),
  'if-modified-since': Type.Optional(Type.String()),
  'if-range': Type.Optional(Type.String()),
});

const ROUTE = '/v/:id/*';
const PREFIX = '/v/';
const ID = new RegExp(ID_PATTERN);

type Method = 'GET' | 'HEAD';

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** The answer to one request for a file under `/v/` (`rest`: the path after it); throws the AppError to answer otherwise. */
async function answerFile(o: OriginRoutesOptions, rest: string, method: Method, headers: IncomingHttpHeaders): Promise<FileResponse> {
  const path = parsePlaybackPath(rest);
  if (!path) throw new AppError(videoErrors.video_file_not_found);
  await o.access.authorize(path);
  const request = { method, range: header(headers, 'range'), ifNoneMatch: header(headers, 'if-none-match'), ifModifiedSince: header(headers, 'if-modified-since'), ifRange: header(headers, 'if-range') };
  return serveFile(o.files, `videos/${path.videoId}/${path.file}`, path.file, request, o.policy);
}

/**
 * The route as node:http answers it (a raw route: the platform's request id, metrics and
 * error envelope, without Fastify's per-request work): the same answer as the Fastify
 * route below, whose params check (the id's pattern, 400) it repeats.
 */
function rawOriginRoute(o: OriginRoutesOptions, server: Server): RawRoute {
  return {
    url: ROUTE,
    methods: ['GET', 'HEAD'],
    prefix: PREFIX,
    headers: CORS,
    handle: async (req, res, exchange) => {
      const url = req.url!;
      const query = url.indexOf('?');
      let rest: string;
      try {
        rest = decodeURIComponent(url.slice(PREFIX.length, query === -1 ? undefined : query));
      } catch {
        throw new AppError(videoErrors.video_file_not_found);
      }
      if (!ID.test(rest.split('/', 1)[0]!)) {
        throw invalidRequestPart('params', [{ field: '/id', in: 'params', message: `must match pattern "${ID_PATTERN}"` }]);
      }
      const answer = await answerFile(o, rest, req.method as Method, req.headers);
      const headers = exchange.headers(answer.headers);
      const pad = padForEdgeCache(req.headers, res, answer.status, () => headers, server);
      if (pad !== undefined) headers[PAD_HEADER] = pad;
      res.writeHead(answer.status, headers);
      if (answer.body === undefined || Buffer.isBuffer(answer.body)) return void res.end(answer.body);
      await sendBody(answer.body, res, answer.ownChunks === true);
    },
  };
}

export async function originRoutes(app: HttpApp, o: OriginRoutesOptions): Promise<void> {
  const tags = ['playback'];
  // Every answer of this scope, errors included, is readable by a player on another site.
  // Failures get the headers here; the handler sets them on its own answers (a hook that
  // ran on every request cost ~7% of the playlist's requests/s).
  app.addHook('onError', (_request, reply, _error, done) => {
    reply.headers(CORS);
    done();
  });

  addRawRoute(app, rawOriginRoute(o, app.server));
  // Documents the route, and answers it for `inject` and while the server drains.
  app.route({
    method: ['GET', 'HEAD'],
    url: ROUTE,
    config: { rateLimit: false },
    logLevel: 'warn',
    schema: {
      tags,
      summary: 'A ready video’s playlist, segment, poster or storyboard, streamed: Range (206/416), ETag and Last-Modified (304), immutable caching of segments',
      description:
        'Public videos: `/v/{id}/hls/master.m3u8`. Unlisted and private: the signed URL from the video’s detail, `/v/{id}/{expires}/{sig}/hls/master.m3u8`; playlists name their files relatively, so the token carries to every segment. 403 for a tampered, expired or other video’s token; 404 for an unknown, deleted or unready video.',
      params,
      headers,
    },
    handler: async (request, reply) => {
      const answer = await answerFile(o, `${request.params.id}/${request.params['*']}`, request.method as Method, request.headers);
      reply.code(answer.status).headers(CORS).headers(answer.headers);
      return reply.send(answer.body);
    },
    // After every other onSend hook (route hooks run after the app's), so the headers are final.
    onSend: (request, reply, payload, done) => {
      const pad = padForEdgeCache(request.headers, reply.raw, reply.statusCode, () => reply.getHeaders(), reply.server.server);
      if (pad !== undefined) reply.header(PAD_HEADER, pad);
      done(null, payload);
    },
  });

  app.options('/v/*', { config: { rateLimit: false }, logLevel: 'warn', schema: { tags, summary: 'CORS preflight for players fetching video files' } }, (_request, reply) => {
    reply.code(204).headers(PREFLIGHT).send();
  });
}
