/** HTTP surface of channels: create, list the caller's own, read one of them. */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { IdSchema, security, type AccountId } from '../ids.ts';
import type { ChannelService } from './service.ts';
import type { ChannelRow } from './store.ts';

const Channel = Type.Object({ id: IdSchema, name: Type.String(), description: Type.String(), createdAt: Type.Integer({ description: 'Epoch ms.' }) });
const toBody = (c: ChannelRow) => ({ id: c.id, name: c.name, description: c.description, createdAt: c.createdAt });

export async function channelRoutes(app: HttpApp, deps: { channels: ChannelService }): Promise<void> {
  const { channels } = deps;
  const tags = ['video channels'];
  app.post(
    '/v1/channels',
    {
      config: { auth: 'required', idempotent: true },
      schema: {
        tags,
        summary: 'Create a channel owned by the caller',
        security,
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), description: Type.Optional(Type.String({ maxLength: 5000 })) }, { additionalProperties: false }),
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
  app.get(
    '/v1/channels/:id',
    { config: { auth: 'required' }, schema: { tags, summary: 'Read one of the caller’s channels', security, params: Type.Object({ id: IdSchema }), response: { 200: Channel } } },
    async (request) => toBody(await channels.getOwned(request.auth!.accountId as AccountId, request.params.id)),
  );
}
