/**
 * HTTP surface of the log: send (the same group commit as the WebSocket `send` frame),
 * history by keyset cursor, and delete for everyone.
 */
import { Type } from 'typebox';
import { fromBase64Url, WireMessage, type ClientMessageId, type ConversationId } from '@twin/chat-protocol';
import { AppError, type HttpApp } from '@twin/platform';
import type { RequestDevice } from '../devices/request-device.ts';
import { chatErrors } from '../errors.ts';
import { Id, Seq, security } from '../http-schemas.ts';
import type { MessageLog } from './message-log.ts';
import type { MessageService } from './service.ts';

const Params = Type.Object({ id: Id });

export async function messageRoutes(app: HttpApp, deps: { log: MessageLog; messages: MessageService; device: RequestDevice }): Promise<void> {
  const { log, messages, device } = deps;
  const config = { auth: 'required' as const };
  const tags = ['chat messages'];

  app.post(
    '/v1/conversations/:id/messages',
    {
      config,
      schema: {
        tags,
        summary: 'Append a message to the conversation log',
        description: 'A resend with the same clientMessageId from the same device returns the original seq (200, duplicate: true). Bodies above 64 KiB get 413.',
        security,
        params: Params,
        body: Type.Object(
          {
            clientMessageId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'Chosen by the device; makes a resend recognisable.' }),
            kind: Type.Union([Type.Literal('message'), Type.Literal('receipt'), Type.Literal('mls'), Type.Literal('reaction')]),
            body: Type.String({ pattern: '^[A-Za-z0-9_-]*$', description: 'Opaque bytes, base64url without padding (≤ 64 KiB decoded). Never parsed by the server.' }),
            sentAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'When the device sent it (epoch ms, untrusted).' }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ messageId: Id, seq: Seq, storedAt: Type.Integer(), duplicate: Type.Literal(true) }),
          201: Type.Object({ messageId: Id, seq: Seq, storedAt: Type.Integer(), duplicate: Type.Literal(false) }),
        },
      },
    },
    async (request, reply) => {
      const sender = await device(request);
      let body: Uint8Array;
      try {
        body = fromBase64Url(request.body.body);
      } catch {
        throw new AppError(chatErrors.invalid_body);
      }
      const [settled] = await log.append(sender, [
        {
          conversationId: request.params.id as ConversationId,
          clientMessageId: request.body.clientMessageId as ClientMessageId,
          kind: request.body.kind,
          body,
          sentAt: request.body.sentAt,
        },
      ]);
      if (settled!.status === 'rejected') throw settled!.reason;
      const result = settled!.value;
      return reply.status(result.duplicate ? 200 : 201).send({ messageId: result.messageId, seq: result.seq, storedAt: result.storedAt, duplicate: result.duplicate as never });
    },
  );

  app.get(
    '/v1/conversations/:id/messages',
    {
      config,
      schema: {
        tags,
        summary: 'History by keyset cursor: newest first (no cursor or `before`), ascending with `after`',
        security,
        params: Params,
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ maxLength: 2048, description: 'A nextCursor from a newest-first page.' })),
            after: Type.Optional(Type.String({ maxLength: 2048, description: 'A nextCursor from an ascending page.' })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ messages: Type.Array(WireMessage), nextCursor: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => {
      const reader = await device(request);
      return messages.history(reader, request.params.id, request.query);
    },
  );

  app.delete(
    '/v1/conversations/:id/messages/:seq',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a message for everyone (its sender, or a group admin)',
        description: 'Wipes the body from storage and appends a `tombstone` entry whose refSeq is the deleted seq.',
        security,
        params: Type.Object({ id: Id, seq: Seq }),
        response: { 200: Type.Object({ tombstone: WireMessage }) },
      },
    },
    async (request) => ({ tombstone: await messages.deleteForEveryone(await device(request), request.params.id, request.params.seq) }),
  );
}
