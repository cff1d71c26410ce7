/**
 * HTTP surface of captions: upload (raw WebVTT body, `Content-Type: text/vtt`), list and
 * delete per language. File paths are on the origin (`/v/{id}/…`).
 */
import { Type } from 'typebox';
import { AppError, platformErrors, type HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import { originPath } from '../views/origin-path.ts';
import type { Caption, CaptionService } from './service.ts';

const CaptionBody = Type.Object({
  lang: Type.String({ description: 'BCP 47 language tag, canonical case.' }),
  label: Type.String({ description: 'NAME in the master playlist: what players show in their caption menu.' }),
  cues: Type.Integer(),
  bytes: Type.Integer(),
  vtt: Type.String({ description: 'Origin path of the WebVTT file.' }),
  playlist: Type.String({ description: 'Origin path of the subtitle media playlist (the master lists it in the SUBTITLES group "subs").' }),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

const toBody = (c: Caption) => ({
  lang: c.lang,
  label: c.label,
  cues: c.cues,
  bytes: c.bytes,
  vtt: originPath(c.vttKey),
  playlist: originPath(c.playlistKey),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export async function captionRoutes(app: HttpApp, deps: { captions: CaptionService; maxBytes: number }): Promise<void> {
  const { captions, maxBytes } = deps;
  const tags = ['captions'];
  const params = Type.Object({ id: IdSchema, lang: Type.String({ minLength: 1, maxLength: 64 }) });
  // Raw bytes: the validator decodes UTF-8 itself, to answer caption_bad_encoding rather than mangle them.
  app.addContentTypeParser('text/vtt', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

  app.put(
    '/v1/videos/:id/captions/:lang',
    {
      config: { auth: 'required' },
      bodyLimit: maxBytes,
      schema: {
        tags,
        summary: 'Upload or replace the WebVTT caption of one language (owner only, once the video is ready)',
        description: 'Body: the .vtt file with Content-Type text/vtt, at most VIDEO_CAPTION_MAX_BYTES. 201 when new, 200 when it replaced one.',
        security,
        params,
        querystring: Type.Object({ label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^"\\r\\n]+$' })) }, { additionalProperties: false }),
        response: { 200: CaptionBody, 201: CaptionBody },
      },
    },
    async (request, reply) => {
      if (!(request.body instanceof Uint8Array)) throw new AppError(platformErrors.unsupported_media_type, 'Send the caption file as the body with Content-Type: text/vtt.');
      const { caption, created } = await captions.put(request.auth!.accountId as AccountId, request.params.id, request.params.lang, request.body, request.query.label);
      return reply.code(created ? 201 : 200).send(toBody(caption));
    },
  );

  app.get(
    '/v1/videos/:id/captions',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'List the captions of a video', security: [...security, {} as Record<string, string[]>], params: Type.Object({ id: IdSchema }), response: { 200: Type.Object({ items: Type.Array(CaptionBody) }) } },
    },
    async (request) => ({ items: (await captions.list(request.auth?.accountId as AccountId | undefined, request.params.id)).map(toBody) }),
  );

  app.delete(
    '/v1/videos/:id/captions/:lang',
    { config: { auth: 'required' }, schema: { tags, summary: 'Delete the caption of one language (owner only); the last one removes the SUBTITLES group', security, params } },
    async (request, reply) => {
      await captions.remove(request.auth!.accountId as AccountId, request.params.id, request.params.lang);
      return reply.code(204).send();
    },
  );
}
