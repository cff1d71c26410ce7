/**
 * Attaches a hook to one route at registration time (from an `onRoute` hook) instead of
 * running a global hook on every request that then checks whether it applies. Routes
 * that opt out (probes, metrics) pay nothing for auth, rate limits or idempotency.
 */
import type { RouteOptions } from 'fastify';

type HookName = 'onRequest' | 'preParsing' | 'preHandler' | 'onSend' | 'onResponse';

export function addRouteHook(route: RouteOptions, name: HookName, hook: unknown, position: 'first' | 'last' = 'last'): void {
  const existing = route[name] as unknown;
  const hooks = existing === undefined ? [] : Array.isArray(existing) ? [...existing] : [existing];
  if (position === 'first') hooks.unshift(hook);
  else hooks.push(hook);
  (route as unknown as Record<HookName, unknown[]>)[name] = hooks;
}
