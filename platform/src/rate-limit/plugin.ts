/**
 * Applies the rate limits to every request: per client IP as soon as it arrives, then per
 * account once authentication has run (preParsing comes after every onRequest hook), and
 * a route's own tighter policy (`config: { rateLimit: 'login' }`). Probes and metrics opt
 * out with `config: { rateLimit: false }`.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
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
    app.addHook('onRequest', async (request, reply) => {
      const routePolicy = request.routeOptions.config.rateLimit;
      if (routePolicy === false) return;
      await limiter.take(reply, perIp, request.ip);
      if (routePolicy) {
        const policy = named[routePolicy];
        if (!policy) throw new Error(`route ${request.routeOptions.url} names unknown rate-limit policy ${routePolicy}`);
        await limiter.take(reply, policy, request.ip);
      }
    });
    app.addHook('preParsing', async (request, reply) => {
      if (request.auth && request.routeOptions.config.rateLimit !== false) await limiter.take(reply, perAccount, request.auth.accountId);
    });
  },
  { name: 'rate-limit' },
);
