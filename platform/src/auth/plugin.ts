/**
 * Bearer authentication for routes that ask for it with `config: { auth: 'required' }`
 * (or `'optional'`). A valid token puts its claims on `request.auth`; a token of a
 * signed-out session is refused even before it expires.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, platformErrors } from '../errors.ts';
import { addRouteHook } from '../http/route-hooks.ts';
import type { AccessClaims, AccessTokenIssuer } from './access-tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `admin`: a valid token of an account listed in ADMIN_HANDLES. */
    auth?: 'required' | 'optional' | 'admin';
  }
  interface FastifyRequest {
    auth?: AccessClaims;
  }
}

export interface AuthPluginOptions {
  tokens: AccessTokenIssuer;
  isSessionRevoked: (sessionId: string) => Promise<boolean>;
  isAdmin: (accountId: string) => Promise<boolean>;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, { tokens, isSessionRevoked, isAdmin }) => {
    app.decorateRequest('auth', undefined);
    app.addHook('onRoute', (route) => {
      const mode = route.config?.auth;
      if (!mode) return;
      addRouteHook(route, 'onRequest', async (request: FastifyRequest) => {
        const header = request.headers.authorization;
        if (header === undefined) {
          if (mode === 'optional') return;
          throw new AppError(platformErrors.unauthorized, 'This route needs an access token (Authorization: Bearer …).', {
            headers: { 'www-authenticate': 'Bearer' },
          });
        }
        const match = BEARER.exec(header);
        if (!match?.[1]) throw new AppError(platformErrors.unauthorized, 'The Authorization header must be "Bearer <token>".');
        const claims = await tokens.verify(match[1]);
        if (await isSessionRevoked(claims.sessionId)) throw new AppError(platformErrors.unauthorized, 'This session has been signed out.');
        if (mode === 'admin' && !(await isAdmin(claims.accountId))) throw new AppError(platformErrors.admin_only);
        request.auth = claims;
      });
    });
  },
  { name: 'auth' },
);
