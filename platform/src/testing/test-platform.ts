/**
 * Builds a whole platform and its HTTP app for integration tests, on the embedded engines
 * (a fresh DATA_DIR) or on the distributed ones (PostgreSQL schema, Redis key prefix and
 * NATS stream unique to the run, and an s3rver started for it), so the same tests run on
 * both, configured through the same environment variables a deployment uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../config/index.ts';
import type { HttpApp } from '../http/app.ts';
import { s3rverCredentials, startS3rver } from '../blob/s3-test-server.ts';
import { createLogger } from '../observability/logger.ts';
import { featureMigrations, loadFeatureSettings, startFeatures, type Feature } from '../feature.ts';
import { createPlatform, type Platform } from '../platform.ts';
import { dropSchema } from '../sql/index.ts';
import { createPlatformApp } from '../platform-app.ts';
import { testEngines, uniqueTestName } from './engines.ts';

export type EngineSet = 'embedded' | 'distributed';

export interface TestPlatform {
  platform: Platform;
  app: HttpApp;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Features to start on the platform, as main.ts does (their settings read from `env`). */
  features?: readonly Feature[];
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
  const name = uniqueTestName('t');
  const s3 = engines === 'distributed' ? await startS3rver(['twin-test']) : undefined;
  const distributed = s3
    ? {
        DATABASE_URL: testEngines.postgres,
        REDIS_URL: testEngines.redis,
        NATS_URL: testEngines.nats,
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: 'twin-test',
        S3_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      }
    : {};
  const nodes: Array<TestPlatform & { stop(): Promise<void> }> = [];
  // One after the other: the first runs the migrations.
  for (let i = 0; i < count; i++) {
    const fullEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...distributed, ...(count > 1 ? { NODE_ID: String(i + 1) } : {}), ...env };
    const config = loadConfig(fullEnv);
    const settings = loadFeatureSettings(features, fullEnv);
    const platform = await createPlatform(config, {
      migrations: featureMigrations(features),
      logger: createLogger({ level: 'silent' }),
      ...(engines === 'distributed' ? { sqlSchema: name, cacheKeyPrefix: `${name}:`, busNamespace: name } : {}),
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
    if (engines === 'distributed') {
      await dropSchema(testEngines.postgres, name);
      const nc = await connect({ servers: testEngines.nats });
      await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
      await nc.close();
    }
    await s3?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // A single node's close() tears the whole set down, as before.
  if (count === 1) nodes[0]!.close = closeAll;
  return { nodes, close: closeAll };
}
