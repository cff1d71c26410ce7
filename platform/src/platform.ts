/**
 * The platform a process runs on: configuration, logs, metrics, ids, the four engines
 * chosen by configuration, and the shared services (tokens, cursors, accounts). Every
 * role builds exactly one, and closes it on shutdown.
 */
import { join } from 'node:path';
import type { Migration } from 'kysely/migration';
import { AccountService, AccountStore, accountMigrations } from './accounts/index.ts';
import { AccessTokenIssuer } from './auth/access-tokens.ts';
import { loadSecrets } from './auth/secrets.ts';
import { createBlobStore, type BlobStore } from './blob/index.ts';
import { busMigrations, createBus, OutboxRelay, type Bus, type BusStats } from './bus/index.ts';
import { createCache, type Cache } from './cache/index.ts';
import type { Config } from './config/index.ts';
import { CursorCodec } from './cursor/index.ts';
import { idempotencyMigrations, IdempotencyStore } from './idempotency/index.ts';
import { SnowflakeGenerator } from './ids/index.ts';
import { createLogger, Metrics, type Logger } from './observability/index.ts';
import { createSqlEngine, type SqlEngine } from './sql/index.ts';

const IDEMPOTENCY_SWEEP_MS = 10 * 60 * 1000;

export const platformMigrations: Record<string, Migration> = { ...accountMigrations, ...idempotencyMigrations, ...busMigrations };

export interface Platform {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly ids: SnowflakeGenerator;
  readonly sql: SqlEngine;
  readonly cache: Cache;
  readonly bus: Bus;
  readonly blob: BlobStore;
  readonly outboxRelay: OutboxRelay;
  readonly cursors: CursorCodec;
  readonly tokens: AccessTokenIssuer;
  readonly accounts: AccountService;
  readonly idempotency: IdempotencyStore;
  /** True once shutdown began: /readyz answers 503 so balancers drain this node. */
  readonly shuttingDown: boolean;
  /** Marks the node as draining (readiness fails) before anything stops. */
  beginShutdown(): void;
  /** Stops background work and closes every engine, in dependency order. */
  close(): Promise<void>;
}

export interface CreatePlatformOptions {
  /** Feature migrations to run besides the platform's own. */
  migrations?: Record<string, Migration>;
  logger?: Logger;
  /** Isolates this platform's PostgreSQL tables in a schema (tests). */
  sqlSchema?: string;
  /** Isolates cache keys (tests, tenants). */
  cacheKeyPrefix?: string;
  /** Stream and subject prefix on NATS (tests). */
  busNamespace?: string;
}

export async function createPlatform(config: Config, options: CreatePlatformOptions = {}): Promise<Platform> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = new Metrics();
  const ids = new SnowflakeGenerator(config.nodeId);
  const secrets = loadSecrets({ dataDir: config.dataDir, authSigningKey: config.authSigningKey, cursorSecret: config.cursorSecret });

  const sql = createSqlEngine({ databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'db', 'twin.sqlite'), schema: options.sqlSchema });
  await sql.migrate({ ...platformMigrations, ...options.migrations });
  // Background failures of the engines (a dropped connection, a failed poll) are retried by
  // the engines themselves; they go to the log, not to stderr.
  const logError = (component: string) => (error: unknown, context?: string) => logger.error({ err: error, component, context }, `${component} error`);
  const cache = createCache({ redisUrl: config.redisUrl, keyPrefix: options.cacheKeyPrefix, onError: logError('cache') });
  const bus = await createBus({
    sql,
    natsUrl: config.natsUrl,
    nodeId: config.nodeId,
    onError: logError('bus'),
    ...(options.busNamespace ? { stream: options.busNamespace, subjectPrefix: options.busNamespace } : {}),
  });
  const blob = createBlobStore(config.s3 ? { s3: config.s3 } : { dir: join(config.dataDir, 'blobs') });
  const outboxRelay = new OutboxRelay({ sql, bus, onError: logError('outbox relay') });
  outboxRelay.start();

  const tokens = new AccessTokenIssuer(secrets.authSigningKeyPem, config.accessTokenTtlSeconds);
  const accounts = new AccountService({
    store: new AccountStore(sql.db),
    ids,
    tokens,
    revocations: cache,
    isUniqueViolation: (e) => sql.isUniqueViolation(e),
    refreshTokenTtlMs: config.refreshTokenTtlSeconds * 1000,
    adminHandles: config.adminHandles,
  });
  const idempotency = new IdempotencyStore(sql.db);
  // Expired Idempotency-Key records are dropped in the background so the table stays small.
  const idempotencySweep = setInterval(() => {
    idempotency.sweepExpired().catch((error: unknown) => logger.warn({ err: error }, 'idempotency sweep failed'));
  }, IDEMPOTENCY_SWEEP_MS);
  idempotencySweep.unref();

  // One stats query per scrape feeds all three gauges.
  let busStats: { at: number; stats: Promise<BusStats> } | undefined;
  const currentBusStats = () => {
    if (!busStats || Date.now() - busStats.at > 1000) busStats = { at: Date.now(), stats: bus.stats() };
    return busStats.stats;
  };
  metrics.gaugeFrom('outbox_pending_events', 'Outbox rows not yet published to the bus.', async () => (await currentBusStats()).outboxPending);
  metrics.gaugeFrom('bus_backlog_deliveries', 'Deliveries not yet acked, over every consumer group (queue depth).', async () => (await currentBusStats()).backlog);
  metrics.gaugeFrom('bus_dead_letters', 'Events that exhausted their delivery attempts.', async () => (await currentBusStats()).deadLetters);

  let shuttingDown = false;
  return {
    config,
    logger,
    metrics,
    ids,
    sql,
    cache,
    bus,
    blob,
    outboxRelay,
    cursors: new CursorCodec(secrets.cursorSecret),
    tokens,
    accounts,
    idempotency,
    get shuttingDown() {
      return shuttingDown;
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async close() {
      shuttingDown = true;
      clearInterval(idempotencySweep);
      await outboxRelay.stop();
      await bus.close();
      await Promise.allSettled([cache.close(), blob.close()]);
      await sql.close();
    },
  };
}
