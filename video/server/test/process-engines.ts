/**
 * Engines for the multi-process tests (restarts, kill -9), on either engine set: embedded
 * (SQLite and local blobs in one DATA_DIR the processes take turns on — the embedded
 * engines are one process at a time) or PostgreSQL + Redis + NATS + S3 (an s3rver started
 * here, and a namespace of its own on the shared servers, dropped at the end). Processes
 * run fixtures/node-process.ts; all share one DATA_DIR, hence the same generated secrets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createBlobStore, type BlobStore } from '@twin/platform/blob';
import { dropSchema } from '@twin/platform/sql';
import { testEngines, uniqueTestName, type EngineSet } from '@twin/platform/testing';
// The platform's s3rver starter is not exported from its testing entry; the same file test-platform.ts uses.
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../../../platform/src/blob/s3-test-server.ts';
import { NAMESPACED_MAIN, startServerProcess, type ServerProcess } from './server-process.ts';

export interface ProcessEngines {
  readonly dataDir: string;
  /** The blob store the processes use, opened by the test itself. */
  readonly blob: BlobStore;
  /** Starts a server process on these engines (NODE_ID distinct per process). */
  start(env: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function processEngines(engines: EngineSet): Promise<ProcessEngines> {
  const dataDir = await mkdtemp(join(tmpdir(), 'video-processes-'));
  const namespace = uniqueTestName('vp');
  let s3: RunningS3rver | undefined;
  let env: Record<string, string> = { DATA_DIR: dataDir };
  let blob: BlobStore;
  if (engines === 'distributed') {
    s3 = await startS3rver(['twin-test']);
    env = {
      ...env,
      TEST_NAMESPACE: namespace,
      DATABASE_URL: testEngines.postgres,
      REDIS_URL: testEngines.redis,
      NATS_URL: testEngines.nats,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: 'twin-test',
      S3_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    };
    blob = createBlobStore({ s3: { endpoint: s3.endpoint, bucket: 'twin-test', region: 'us-east-1', ...s3rverCredentials, forcePathStyle: true } });
  } else {
    blob = createBlobStore({ dir: join(dataDir, 'blobs') });
  }
  let nodeId = 1;
  return {
    dataDir,
    blob,
    start: (extra) => startServerProcess({ ...env, NODE_ID: String(nodeId++), ...extra }, NAMESPACED_MAIN),
    async close() {
      await blob.close();
      if (engines === 'distributed') {
        await dropSchema(testEngines.postgres, namespace);
        const nc = await connect({ servers: testEngines.nats });
        await (await jetstreamManager(nc)).streams.delete(namespace).catch(() => false);
        await nc.close();
      }
      await s3?.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs up over HTTP and creates a channel; `handle` may be named admin in ADMIN_HANDLES. */
export async function accountWithChannel(base: string, handle: string): Promise<{ token: string; channelId: string }> {
  const password = 'correct horse battery';
  const post = (path: string, body: unknown, auth?: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(body) });
  const created = await post('/v1/accounts', { handle, password });
  if (created.status !== 201) throw new Error(`sign-up: ${created.status} ${await created.text()}`);
  const token = ((await (await post('/v1/sessions', { handle, password })).json()) as any).accessToken as string;
  const channelId = ((await (await post('/v1/channels', { name: 'c' }, token)).json()) as any).id as string;
  return { token, channelId };
}
