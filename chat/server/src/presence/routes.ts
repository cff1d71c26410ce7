/**
 * Presence over HTTP, for clients without a socket: who of these accounts is online (and
 * when they were last seen), and the caller's last-seen privacy setting. Only accounts
 * that share a conversation with the caller are visible.
 */
import type { AccountId } from '@twin/chat-protocol';
import { AppError, type HttpApp } from '@twin/platform';
import { Type } from 'typebox';
import type { ChatCore } from '../core.ts';
import { deviceOf } from '../gateway/device-auth.ts';
import { realtimeErrors } from '../gateway/errors.ts';
import type { PresenceRegistry } from './presence-registry.ts';

const Id = Type.String({ pattern: '^[0-9]{1,20}$' });
const Presence = Type.Object({ accountId: Id, online: Type.Boolean(), lastSeenAt: Type.Optional(Type.Integer({ description: 'Epoch ms; absent while online or when the account hides it.' })) });

export async function presenceRoutes(app: HttpApp, { core, presence }: { core: ChatCore; presence: PresenceRegistry }): Promise<void> {
  app.get(
    '/v1/presence',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat'],
        summary: 'Presence of accounts that share a conversation with the caller',
        security: [{ bearer: [] }],
        querystring: Type.Object({ accountIds: Type.String({ pattern: '^[0-9]{1,20}(,[0-9]{1,20}){0,99}$', description: 'Comma-separated account ids (at most 100).' }) }),
        response: { 200: Type.Object({ presence: Type.Array(Presence) }) },
      },
    },
    async (request) => {
      const caller = deviceOf(request);
      const accountIds = [...new Set(request.query.accountIds.split(','))] as AccountId[];
      const shared = await Promise.all(accountIds.map((id) => (id === caller.accountId ? true : core.shareAConversation(caller.accountId, id))));
      const refused = accountIds.filter((_, i) => !shared[i]);
      if (refused.length > 0) throw new AppError(realtimeErrors.presence_not_shared, undefined, { details: { accountIds: refused } });
      return { presence: await presence.presenceOf(accountIds) };
    },
  );

  app.put(
    '/v1/presence/settings',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat'],
        summary: 'Set who may see the caller’s last-seen time',
        security: [{ bearer: [] }],
        body: Type.Object({ lastSeen: Type.Union([Type.Literal('everyone'), Type.Literal('nobody')]) }, { additionalProperties: false }),
        response: { 200: Type.Object({ lastSeen: Type.Union([Type.Literal('everyone'), Type.Literal('nobody')]) }) },
      },
    },
    async (request) => {
      const caller = deviceOf(request);
      await presence.setLastSeenVisibility(caller.accountId, request.body.lastSeen);
      return { lastSeen: request.body.lastSeen };
    },
  );
}
