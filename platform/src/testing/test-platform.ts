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
  const fullEnv = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...distributed, ...env };
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
  return {
    platform,
    app,
    async close() {
      await app.close();
      await running.stop();
      await platform.close();
      if (engines === 'distributed') {
        await dropSchema(testEngines.postgres, name);
        const nc = await connect({ servers: testEngines.nats });
        await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
        await nc.close();
      }
      await s3?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
