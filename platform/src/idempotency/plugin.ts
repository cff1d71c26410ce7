/**
 * Retry-safe POSTs. A route that opts in with `config: { idempotent: true }` honours the
 * `Idempotency-Key` header: the first request with a key runs and its response is kept;
 * the same key with the same body replays that response (marked `Idempotent-Replayed`);
 * the same key with another body is 422; a key whose first request is still running is
 * 409. Server errors are not kept, so the client's retry runs again. Keys are scoped to
 * the signed-in account (or shared among anonymous callers, whose bodies carry their own
 * credentials), so one account can never replay another's response.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, platformErrors } from '../errors.ts';
import { addRouteHook } from '../http/route-hooks.ts';
import type { IdempotencyStore } from './store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour Idempotency-Key on this route. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency?: { scope: string; key: string };
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('base64url');
}

export const idempotencyPlugin = fp<{ store: IdempotencyStore; ttlMs: number }>(
  async (app: FastifyInstance, { store, ttlMs }) => {
    const claimKey = async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new AppError(platformErrors.invalid_idempotency_key);
      const scope = request.auth ? `account:${request.auth.accountId}` : 'anonymous';
      const claim = await store.claim(scope, key, requestHash(request), ttlMs);
      switch (claim.outcome) {
        case 'claimed':
          request.idempotency = { scope, key };
          return;
        case 'mismatch':
          throw new AppError(platformErrors.idempotency_key_reused);
        case 'in_flight':
          throw new AppError(platformErrors.idempotency_request_in_flight, undefined, { headers: { 'retry-after': '1' } });
        case 'replay':
          reply.header('idempotent-replayed', 'true');
          if (claim.contentType) reply.type(claim.contentType);
          return reply.status(claim.statusCode).send(claim.body);
      }
    };

    const storeResponse = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const claimed = request.idempotency;
      if (!claimed) return payload;
      request.idempotency = undefined;
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        await store.release(claimed.scope, claimed.key);
      } else {
        await store.complete(claimed.scope, claimed.key, {
          statusCode: reply.statusCode,
          contentType: (reply.getHeader('content-type') as string | undefined) ?? null,
          body: payload,
        });
      }
      return payload;
    };

    // A request that dies before sending (client gone, crash in a hook) must not hold its key forever.
    const releaseUnsent = async (request: FastifyRequest) => {
      if (request.idempotency) await store.release(request.idempotency.scope, request.idempotency.key);
    };

    app.addHook('onRoute', (route) => {
      if (!route.config?.idempotent) return;
      addRouteHook(route, 'preHandler', claimKey);
      addRouteHook(route, 'onSend', storeResponse);
      addRouteHook(route, 'onResponse', releaseUnsent);
    });
  },
  { name: 'idempotency' },
);
