/**
 * Operator routes: the dead-letter store of the bus, listed newest first and retried one
 * by one. Only accounts named in ADMIN_HANDLES may call them.
 */
import { Type } from 'typebox';
import type { Bus } from '../bus/index.ts';
import type { CursorCodec } from '../cursor/index.ts';
import { AppError, platformErrors } from '../errors.ts';
import type { HttpApp } from '../http/app.ts';

const CURSOR_SCOPE = 'admin:dead-letters';

const DeadLetter = Type.Object({
  id: Type.String(),
  group: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.String(),
  deadAt: Type.Integer(),
  event: Type.Object({ id: Type.String(), type: Type.String(), subject: Type.String(), publishedAt: Type.Integer(), payload: Type.Unknown() }),
});

export async function adminRoutes(app: HttpApp, { bus, cursors }: { bus: Bus; cursors: CursorCodec }): Promise<void> {
  const config = { auth: 'admin' as const };
  const security = [{ bearer: [] }];

  app.get(
    '/v1/admin/dead-letters',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Events that exhausted their delivery attempts, newest first',
        security,
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 512 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(DeadLetter), total: Type.Integer(), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? null : String(cursors.decode(CURSOR_SCOPE, cursor)[0]);
      const [page, total] = await Promise.all([bus.listDeadLetters({ limit, cursor: after }), bus.countDeadLetters()]);
      return { items: page.items, total, nextCursor: page.nextCursor === null ? null : cursors.encode(CURSOR_SCOPE, [page.nextCursor]) };
    },
  );

  app.post(
    '/v1/admin/dead-letters/:id/retry',
    {
      config,
      schema: {
        tags: ['admin'],
        summary: 'Deliver a dead letter again to the group it failed in',
        security,
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,20}$' }) }),
        response: { 202: Type.Object({ retried: Type.Literal(true) }) },
      },
    },
    async (request, reply) => {
      if (!(await bus.retryDeadLetter(request.params.id))) throw new AppError(platformErrors.not_found, `No dead letter ${request.params.id}.`);
      return reply.status(202).send({ retried: true as const });
    },
  );
}
