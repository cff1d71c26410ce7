/**
 * Runs an integration suite once on the embedded engines and once on PostgreSQL + Redis +
 * NATS; the distributed run skips off CI when a server is missing.
 */
import { describe } from 'node:test';
import { skipUnlessReachable } from './engines.ts';
import type { EngineSet } from './test-platform.ts';

export async function forEachEngineSet(title: string, suite: (engines: EngineSet) => void): Promise<void> {
  const missing = (await Promise.all((['postgres', 'redis', 'nats'] as const).map((e) => skipUnlessReachable(e)))).find(Boolean) ?? false;
  describe(`${title} (embedded engines)`, () => suite('embedded'));
  describe(`${title} (postgres + redis + nats)`, { skip: missing }, () => suite('distributed'));
}

/** The parsed JSON body of an inject() response. */
export const json = (response: { body: string }) => JSON.parse(response.body) as any;
