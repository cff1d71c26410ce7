/** HTTP surface of channels: create, list the caller's own, read any, rename and delete one's own. */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import type { ChannelService } from './service.ts';
import type { ChannelRow } from './store.ts';

const Channel = Type.Object({ id: IdSchema, ownerId: IdSchema, name: Type.String(), description: Type.String(), createdAt: Type.Integer({ description: 'Epoch ms.' }) });
const toBody = (c: ChannelRow) => ({ id: c.id, ownerId: c.accountId, name: c.name, description: c.description, createdAt: c.createdAt });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Description = Type.String({ maxLength: 5000 });

export async function channelRoutes(app: HttpApp, deps: { channels: ChannelService }): Promise<void> {
  const { channels } = deps;
  const tags = ['video channels'];
  const params = Type.Object({ id: IdSchema });
  app.post(
    '/v1/channels',
    {
      config: { auth: 'required', idempotent: true },
      schema: {
        tags,
        summary: 'Create a channel owned by the caller',
        security,
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
        response: { 201: Channel },
      },
    },
    async (request, reply) => {
      const channel = await channels.create(request.auth!.accountId as AccountId, request.body);
      return reply.code(201).send(toBody(channel));
    },
  );
  app.get(
    '/v1/channels',
    { config: { auth: 'required' }, schema: { tags, summary: 'List the caller’s channels', security, response: { 200: Type.Object({ items: Type.Array(Channel) }) } } },
    async (request) => ({ items: (await channels.list(request.auth!.accountId as AccountId)).map(toBody) }),
  );
  app.get('/v1/channels/:id', { schema: { tags, summary: 'Read a channel (channels are public)', params, response: { 200: Channel } } }, async (request) =>
    toBody(await channels.get(request.params.id)),
  );
  app.patch(
    '/v1/channels/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Rename or redescribe one of the caller’s channels (403 channel_not_owned for another account’s)',
        security,
        params,
        body: Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Channel },
      },
    },
    async (request) => toBody(await channels.update(request.auth!.accountId as AccountId, request.params.id, request.body)),
  );
  app.delete(
    '/v1/channels/:id',
    {
      config: { auth: 'required' },
      schema: { tags, summary: 'Delete one of the caller’s channels with all its videos', security, params },
    },
    async (request, reply) => {
      await channels.delete(request.auth!.accountId as AccountId, request.params.id);
      return reply.code(204).send();
    },
  );
}
