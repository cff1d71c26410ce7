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
import { createBlobStore, type BlobStore } from '@twin/platform/blob';
import { openDistributedNamespace, type EngineSet } from '@twin/platform/testing';
import { NAMESPACED_MAIN, startServerProcess, type ServerProcess } from './server-process.ts';

export interface ProcessEngines {
  readonly dataDir: string;
  /** The PostgreSQL schema (and key prefix, stream) on the distributed engines. */
  readonly namespace?: string;
  /** The blob store the processes use, opened by the test itself. */
  readonly blob: BlobStore;
  /** Starts a server process on these engines (NODE_ID distinct per process). */
  start(env: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function processEngines(engines: EngineSet): Promise<ProcessEngines> {
  const dataDir = await mkdtemp(join(tmpdir(), 'video-processes-'));
  const namespace = engines === 'distributed' ? await openDistributedNamespace('vp') : undefined;
  const env = { DATA_DIR: dataDir, ...(namespace ? { ...namespace.env, TEST_NAMESPACE: namespace.name } : {}) };
  const blob = createBlobStore(namespace ? { s3: namespace.s3 } : { dir: join(dataDir, 'blobs') });
  let nodeId = 1;
  return {
    dataDir,
    ...(namespace ? { namespace: namespace.name } : {}),
    blob,
    start: (extra) => startServerProcess({ ...env, NODE_ID: String(nodeId++), ...extra }, NAMESPACED_MAIN),
    async close() {
      await blob.close();
      await namespace?.drop();
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
