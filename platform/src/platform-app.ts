/**
 * The HTTP app with the platform's cross-cutting parts installed (auth, rate limits,
 * idempotency, probes, metrics, OpenAPI) and the shared account routes. Chat and video
 * register their plugins on top.
 */
import { accountRoutes } from './accounts/index.ts';
import { adminRoutes } from './admin/routes.ts';
import { authPlugin } from './auth/index.ts';
import { healthRoutes } from './health/index.ts';
import { createHttpApp, type HttpApp } from './http/index.ts';
import { idempotencyPlugin } from './idempotency/index.ts';
import type { Platform } from './platform.ts';
import { RateLimiter, rateLimitPlugin } from './rate-limit/index.ts';

export interface PlatformAppOptions {
  /** Serve the public API (accounts, sessions, admin). Roles that only work in the background serve probes and metrics alone. */
  api?: boolean;
}

export async function createPlatformApp(platform: Platform, { api = true }: PlatformAppOptions = {}): Promise<HttpApp> {
  const { config } = platform;
  const app = await createHttpApp({ logger: platform.logger, metrics: platform.metrics, bodyLimitBytes: config.bodyLimitBytes, trustProxy: config.trustProxy });

  await app.register(authPlugin, {
    tokens: platform.tokens,
    isSessionRevoked: (sid) => platform.accounts.isSessionRevoked(sid),
    isAdmin: (accountId) => platform.accounts.isAdmin(accountId),
  });
  await app.register(rateLimitPlugin, {
    limiter: new RateLimiter(platform.cache),
    perIp: { name: 'ip', capacity: config.rateLimitIpBurst, refillPerSecond: config.rateLimitIpPerSecond },
    perAccount: { name: 'account', capacity: config.rateLimitAccountBurst, refillPerSecond: config.rateLimitAccountPerSecond },
    named: {
      // Password guessing is the threat: a small burst, then one attempt per 6 s per IP.
      login: { name: 'login', capacity: config.rateLimitLoginBurst, refillPerSecond: 1 / 6 },
      signup: { name: 'signup', capacity: config.rateLimitLoginBurst, refillPerSecond: 1 / 6 },
    },
  });
  await app.register(idempotencyPlugin, { store: platform.idempotency, ttlMs: config.idempotencyTtlSeconds * 1000 });

  await app.register(healthRoutes, {
    metrics: platform.metrics,
    isShuttingDown: () => platform.shuttingDown,
    checks: [
      { name: platform.sql.name, ping: () => platform.sql.ping() },
      { name: 'cache', ping: () => platform.cache.ping() },
      { name: 'bus', ping: () => platform.bus.ping() },
      { name: 'blob', ping: () => platform.blob.ping() },
    ],
  });
  if (api) {
    await app.register(accountRoutes, { accounts: platform.accounts });
    await app.register(adminRoutes, { bus: platform.bus, cursors: platform.cursors });
  }
  return app;
}
