/**
 * HTTP surface of conversations and members. Every route needs a device token; the
 * service checks membership and admin rights.
 */
import { Type } from 'typebox';
import { AppError, platformErrors, type CursorCodec, type HttpApp } from '@twin/platform';
import type { RequestDevice } from '../devices/request-device.ts';
import { Id, security } from '../http-schemas.ts';
import type { ConversationService } from './service.ts';

const Title = Type.String({ minLength: 1, maxLength: 128, description: 'Group title.' });
const AvatarBlobKey = Type.String({ minLength: 1, maxLength: 512, description: 'Blob key of the (encrypted) avatar image.' });
const Member = Type.Object({ accountId: Id, role: Type.Union([Type.Literal('admin'), Type.Literal('member')]), joinedAt: Type.Integer({ description: 'Epoch ms.' }) });
export const Conversation = Type.Object({
  id: Id,
  type: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  title: Type.Optional(Title),
  avatarBlobKey: Type.Optional(AvatarBlobKey),
  members: Type.Array(Member),
  lastSeq: Type.Integer({ minimum: 0, description: 'The last seq of the log (0: empty).' }),
  createdAt: Type.Integer({ description: 'Epoch ms.' }),
});
const ConversationParams = Type.Object({ id: Id });
const MemberParams = Type.Object({ id: Id, accountId: Id });
const LIST_SCOPE = 'chat-conversations';

export async function conversationRoutes(app: HttpApp, deps: { conversations: ConversationService; device: RequestDevice; cursors: CursorCodec }): Promise<void> {
  const { conversations, device, cursors } = deps;
  const config = { auth: 'required' as const };
  const tags = ['chat conversations'];

  app.post(
    '/v1/conversations',
    {
      config: { ...config, idempotent: true },
      schema: {
        tags,
        summary: 'Start a direct conversation (returns the existing one with 200) or create a group',
        security,
        body: Type.Union([
          Type.Object({ type: Type.Literal('direct'), accountId: Id }, { additionalProperties: false }),
          Type.Object(
            {
              type: Type.Literal('group'),
              title: Title,
              memberAccountIds: Type.Array(Id, { maxItems: 100_000, description: 'Other members; the creator is added as admin.' }),
              avatarBlobKey: Type.Optional(AvatarBlobKey),
            },
            { additionalProperties: false },
          ),
        ]),
        response: { 200: Conversation, 201: Conversation },
      },
    },
    async (request, reply) => {
      const caller = await device(request);
      const body = request.body;
      if (body.type === 'direct') {
        const { conversation, created } = await conversations.createDirect(caller, body.accountId);
        return reply.status(created ? 201 : 200).send(conversation);
      }
      return reply.status(201).send(await conversations.createGroup(caller, body));
    },
  );

  app.get(
    '/v1/conversations',
    {
      config,
      schema: {
        tags,
        summary: "The caller's conversations, by cursor",
        security,
        querystring: Type.Object(
          { cursor: Type.Optional(Type.String({ maxLength: 2048 })), limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ conversations: Type.Array(Conversation), nextCursor: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => {
      const caller = await device(request);
      const after = request.query.cursor === undefined ? undefined : String(cursors.decode(`${LIST_SCOPE}:${caller.accountId}`, request.query.cursor)[0]);
      if (after !== undefined && !/^[0-9]{1,20}$/.test(after)) throw new AppError(platformErrors.invalid_cursor);
      const page = await conversations.list(caller, after, request.query.limit);
      const last = page.conversations.at(-1);
      return { conversations: page.conversations, ...(page.more && last ? { nextCursor: cursors.encode(`${LIST_SCOPE}:${caller.accountId}`, [last.id]) } : {}) };
    },
  );

  app.get(
    '/v1/conversations/:id',
    { config, schema: { tags, summary: 'A conversation with its members', security, params: ConversationParams, response: { 200: Conversation } } },
    async (request) => conversations.get(await device(request), request.params.id),
  );

  app.patch(
    '/v1/conversations/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change the title or avatar of a group (admins)',
        security,
        params: ConversationParams,
        body: Type.Object({ title: Type.Optional(Title), avatarBlobKey: Type.Optional(AvatarBlobKey) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Conversation },
      },
    },
    async (request) => conversations.update(await device(request), request.params.id, request.body),
  );

  app.post(
    '/v1/conversations/:id/members',
    {
      config,
      schema: {
        tags,
        summary: 'Add a member to a group (admins); the new member sees the log from here on',
        security,
        params: ConversationParams,
        body: Type.Object({ accountId: Id }, { additionalProperties: false }),
        response: { 201: Conversation },
      },
    },
    async (request, reply) => reply.status(201).send(await conversations.addMember(await device(request), request.params.id, request.body.accountId)),
  );

  app.delete(
    '/v1/conversations/:id/members/:accountId',
    {
      config,
      schema: { tags, summary: 'Remove a member (admins), or leave (your own account id)', security, params: MemberParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await conversations.removeMember(await device(request), request.params.id, request.params.accountId);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/v1/conversations/:id/members/:accountId',
    {
      config,
      schema: {
        tags,
        summary: 'Promote a member to admin (admins)',
        security,
        params: MemberParams,
        body: Type.Object({ role: Type.Literal('admin') }, { additionalProperties: false }),
        response: { 200: Conversation },
      },
    },
    async (request) => conversations.promote(await device(request), request.params.id, request.params.accountId),
  );
}
