/**
 * HTTP surface of cursors: ack and read (the same as the WebSocket frames, for clients
 * without a socket), and sync across all conversations by cursor.
 */
import { Type } from 'typebox';
import { MAX_PAGE_MESSAGES, WireMessage } from '@twin/chat-protocol';
import type { HttpApp } from '@twin/platform';
import type { RequestDevice } from '../devices/request-device.ts';
import { Id, Seq, security } from '../http-schemas.ts';
import type { CursorService } from './cursor-service.ts';
import type { SyncService } from './sync-service.ts';

export async function syncRoutes(app: HttpApp, deps: { cursors: CursorService; sync: SyncService; device: RequestDevice }): Promise<void> {
  const { cursors, sync, device } = deps;
  const config = { auth: 'required' as const };
  const tags = ['chat sync'];
  const SeqBody = Type.Object({ seq: Seq }, { additionalProperties: false });

  app.post(
    '/v1/conversations/:id/ack',
    {
      config,
      schema: {
        tags,
        summary: 'This device has stored everything up to seq (cumulative; never moves back)',
        security,
        params: Type.Object({ id: Id }),
        body: SeqBody,
        response: { 200: Type.Object({ ackedSeq: Type.Integer({ minimum: 0, description: "The device's cursor after this ack." }) }) },
      },
    },
    async (request) => ({ ackedSeq: await cursors.ack(await device(request), request.params.id, request.body.seq) }),
  );

  app.post(
    '/v1/conversations/:id/read',
    {
      config,
      schema: {
        tags,
        summary: 'The account has read the conversation up to seq (read receipts)',
        security,
        params: Type.Object({ id: Id }),
        body: SeqBody,
        response: { 200: Type.Object({ readSeq: Type.Integer({ minimum: 0 }) }) },
      },
    },
    async (request) => ({ readSeq: await cursors.markRead(await device(request), request.params.id, request.body.seq) }),
  );

  app.get(
    '/v1/sync',
    {
      config,
      schema: {
        tags,
        summary: "Everything after this device's acked cursors, across its conversations, in pages",
        description: 'Conversation by conversation, in seq order within each. Pass `cursor` back for the next page while hasMore; ack what you store.',
        security,
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 2048 })), limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_MESSAGES, default: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(WireMessage), cursor: Type.String(), hasMore: Type.Boolean() }) },
      },
    },
    async (request) => sync.page(await device(request), request.query.cursor, request.query.limit),
  );
}
