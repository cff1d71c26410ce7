/**
 * Applies the rate limits to every request: per client IP as soon as it arrives, then per
 * account once authentication has run (preParsing comes after every onRequest hook), and
 * a route's own tighter policy (`config: { rateLimit: 'login' }`). Probes and metrics opt
 * out with `config: { rateLimit: false }`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { addRouteHook } from '../http/route-hooks.ts';
import type { RateLimiter, RateLimitPolicy } from './rate-limiter.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` exempts the route; a name adds that policy (keyed by client IP). */
    rateLimit?: false | string;
  }
}

export interface RateLimitPluginOptions {
  limiter: RateLimiter;
  perIp: RateLimitPolicy;
  perAccount: RateLimitPolicy;
  /** Extra policies routes can name, keyed by policy name. */
  named: Record<string, RateLimitPolicy>;
}

export const rateLimitPlugin = fp<RateLimitPluginOptions>(
  async (app: FastifyInstance, { limiter, perIp, perAccount, named }) => {
    app.addHook('onRoute', (route) => {
      const routePolicy = route.config?.rateLimit;
      if (routePolicy === false) return;
      const extra = routePolicy ? named[routePolicy] : undefined;
      if (routePolicy && !extra) throw new Error(`route ${route.url} names unknown rate-limit policy ${routePolicy}`);
      // First, ahead of authentication: a flood of bad tokens is throttled too.
      addRouteHook(
        route,
        'onRequest',
        async (request: FastifyRequest, reply: FastifyReply) => {
          await limiter.take(reply, perIp, request.ip);
          if (extra) await limiter.take(reply, extra, request.ip);
        },
        'first',
      );
      if (route.config?.auth) {
        addRouteHook(route, 'preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
          if (request.auth) await limiter.take(reply, perAccount, request.auth.accountId);
        });
      }
    });
  },
  { name: 'rate-limit' },
);
