/**
 * Mounts the tus server inside Fastify at `/v1/uploads`: the platform's Bearer auth runs
 * first (401 in the error envelope without a token), then the raw request goes to
 * tus-node-server (through tus-bridge.ts), which streams the body itself (hence the
 * pass-through content-type parser and `reply.hijack()`).
 */
import type { Server } from '@tus/server';
import type { HttpApp } from '@twin/platform';
import { security } from '../ids.ts';
import type { AccountId } from '../ids.ts';
import { handleTus } from './tus-bridge.ts';
import { requestAccounts } from './tus-server.ts';

export async function uploadRoutes(app: HttpApp, deps: { tus: Server }): Promise<void> {
  // Leave the body unread: tus-node-server consumes the stream (and counts its bytes against the limit).
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  const tags = ['video uploads'];
  const handle = async (request: { raw: import('node:http').IncomingMessage; auth?: { accountId: string } }, reply: { hijack(): void; raw: import('node:http').ServerResponse }) => {
    reply.hijack();
    await handleTus(deps.tus, request.raw, reply.raw, (web) => {
      if (request.auth) requestAccounts.set(web, request.auth.accountId as AccountId);
    });
  };
  const schema = (summary: string) => ({ tags, summary, security });
  app.route({
    method: ['POST'],
    url: '/v1/uploads',
    config: { auth: 'required' },
    schema: schema('tus 1.0 creation (and creation-with-upload): Upload-Length, Upload-Metadata with channelId, title, filename'),
    handler: handle,
  });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE'],
    url: '/v1/uploads/:id',
    config: { auth: 'required' },
    schema: schema('tus 1.0: HEAD for the offset, PATCH to append at Upload-Offset, DELETE to terminate'),
    handler: handle,
  });
  // Discovery (capabilities, max size) needs no account, and browsers preflight without credentials.
  app.route({ method: 'OPTIONS', url: '/v1/uploads', schema: { tags, summary: 'tus 1.0 discovery' }, handler: handle });
}
