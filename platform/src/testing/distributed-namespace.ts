/**
 * One isolated namespace on the shared distributed engines, as a deployment of its own
 * would see them: a PostgreSQL schema, Redis key prefix and NATS stream all named after
 * the run, plus an s3rver of its own. In-process platforms (test-platform.ts) and server
 * processes (through the same environment variables) both start from it.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { s3rverCredentials, startS3rver } from '../blob/s3-test-server.ts';
import type { S3BlobStoreOptions } from '../blob/s3.ts';
import { dropSchema } from '../sql/index.ts';
import { testEngines, uniqueTestName } from './engines.ts';

export interface DistributedNamespace {
  /** The schema, key prefix (with a `:` after it) and stream name. */
  readonly name: string;
  /** DATABASE_URL, REDIS_URL, NATS_URL and the S3_* variables of the bucket. */
  readonly env: Readonly<Record<string, string>>;
  /** The bucket, for a test that opens the blob store itself. */
  readonly s3: S3BlobStoreOptions;
  /** Drops the schema, the stream and the Redis keys under the prefix, and stops the s3rver. */
  drop(): Promise<void>;
}

const bucket = 'twin-test';

export async function openDistributedNamespace(prefix: string): Promise<DistributedNamespace> {
  const name = uniqueTestName(prefix);
  const s3rver = await startS3rver([bucket]);
  return {
    name,
    env: {
      DATABASE_URL: testEngines.postgres,
      REDIS_URL: testEngines.redis,
      NATS_URL: testEngines.nats,
      S3_ENDPOINT: s3rver.endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    },
    s3: { endpoint: s3rver.endpoint, bucket, region: 'us-east-1', ...s3rverCredentials, forcePathStyle: true },
    async drop() {
      await dropSchema(testEngines.postgres, name);
      const nc = await connect({ servers: testEngines.nats });
      await (await jetstreamManager(nc)).streams.delete(name).catch(() => false);
      await nc.close();
      await deleteKeys(`${name}:*`);
      await s3rver.close();
    },
  };
}

async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(testEngines.redis, { lazyConnect: true });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
