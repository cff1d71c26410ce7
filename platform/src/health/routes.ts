/**
 * Probes and metrics: `/healthz` says the process is alive; `/readyz` says every
 * configured engine answers (503 naming the ones that do not, or while shutting down);
 * `/metrics` is the Prometheus scrape. None of them is rate limited or access-logged.
 */
import { Type } from 'typebox';
import { AppError, platformErrors } from '../errors.ts';
import type { HttpApp } from '../http/app.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface ReadinessCheck {
  name: string;
  ping: () => Promise<void>;
}

export interface HealthRoutesOptions {
  checks: ReadinessCheck[];
  metrics: Metrics;
  isShuttingDown: () => boolean;
  timeoutMs?: number;
}

async function probe(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return `down: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: HttpApp, options: HealthRoutesOptions): Promise<void> {
  const config = { rateLimit: false as const };
  // Probes arrive every few seconds from every balancer: no access-log line for each.
  // (A route log level makes pino rebuild its methods per request; see LazyRequestLogger.)
  const logLevel = 'warn';
  app.get(
    '/healthz',
    { config, logLevel, schema: { tags: ['ops'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config,
      logLevel,
      schema: { tags: ['ops'], summary: 'Readiness: every configured engine reachable', response: { 200: Type.Object({ status: Type.Literal('ready'), engines: Type.Record(Type.String(), Type.String()) }) } },
    },
    async () => {
      if (options.isShuttingDown()) throw new AppError(platformErrors.shutting_down);
      const results = await Promise.all(options.checks.map(async (c) => [c.name, await probe(c, options.timeoutMs ?? 2000)] as const));
      const engines = Object.fromEntries(results);
      const down = results.filter(([, state]) => state !== 'ok').map(([name]) => name);
      if (down.length > 0) throw new AppError(platformErrors.engine_unavailable, `Not ready: ${down.join(', ')} unreachable.`, { details: { engines } });
      return { status: 'ready' as const, engines };
    },
  );

  app.get('/metrics', { config, logLevel, schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
