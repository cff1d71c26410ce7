/**
 * Builds a whole platform and its HTTP app for integration tests, on the embedded engines
 * (a fresh DATA_DIR) or on the distributed ones (PostgreSQL schema, Redis key prefix and
 * NATS stream unique to the run, and an s3rver started for it), so the same tests run on
 * both, configured through the same environment variables a deployment uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import type { HttpApp } from '../http/app.ts';
import { createLogger, type LoggerOptions } from '../observability/logger.ts';
import { featureMigrations, loadFeatureSettings, startFeatures, type Feature } from '../feature.ts';
import { createPlatform, type Platform } from '../platform.ts';
import { createPlatformApp } from '../platform-app.ts';
import { openDistributedNamespace } from './distributed-namespace.ts';

export type EngineSet = 'embedded' | 'distributed';

export interface TestPlatform {
  platform: Platform;
  app: HttpApp;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Features to start on the platform, as main.ts does (their settings read from `env`). */
  features?: readonly Feature[];
  /** Where the nodes log, and from which level; default: nothing is logged. */
  log?: LoggerOptions;
}

export async function startTestPlatform(engines: EngineSet, env: Record<string, string> = {}, options: TestPlatformOptions = {}): Promise<TestPlatform> {
  return (await startTestCluster(engines, 1, env, options)).nodes[0]!;
}

export interface TestCluster {
  /** One platform and app per node, each with its own NODE_ID (1, 2, …). */
  readonly nodes: readonly TestPlatform[];
  close(): Promise<void>;
}

/**
 * Several nodes sharing one set of engines, as processes of one deployment do: the same
 * PostgreSQL schema, Redis key prefix, NATS stream, bucket and DATA_DIR (so the same
 * secrets), each with its own NODE_ID. On the embedded engines only one node is possible.
 */
export async function startTestCluster(engines: EngineSet, count: number, env: Record<string, string> = {}, options: TestPlatformOptions = {}): Promise<TestCluster> {
  if (engines === 'embedded' && count > 1) throw new Error('the embedded engines are one process: a cluster needs the distributed set');
  const features = options.features ?? [];
  const dataDir = mkdtempSync(join(tmpdir(), 'twin-test-'));
  const namespace = engines === 'distributed' ? await openDistributedNamespace('t') : undefined;
  const nodes: Array<TestPlatform & { stop(): Promise<void> }> = [];
  // One after the other: the first runs the migrations.
  for (let i = 0; i < count; i++) {
    const fullEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...namespace?.env, ...(count > 1 ? { NODE_ID: String(i + 1) } : {}), ...env };
    const config = loadConfig(fullEnv);
    const settings = loadFeatureSettings(features, fullEnv);
    const platform = await createPlatform(config, {
      migrations: featureMigrations(features),
      logger: createLogger(options.log ?? { level: 'silent' }),
      ...(namespace ? { sqlSchema: namespace.name, cacheKeyPrefix: `${namespace.name}:`, busNamespace: namespace.name } : {}),
    });
    const running = await startFeatures(platform, settings);
    const app = await createPlatformApp(platform);
    await running.register(app);
    await app.ready();
    const stop = async () => {
      await app.close();
      await running.stop();
      await platform.close();
    };
    nodes.push({ platform, app, stop, close: stop });
  }
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    for (const node of nodes) await node.stop();
    await namespace?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // A single node's close() tears the whole set down, as before.
  if (count === 1) nodes[0]!.close = closeAll;
  return { nodes, close: closeAll };
}
