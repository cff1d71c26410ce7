/**
 * Every environment variable the process reads, with its default and meaning. The
 * README's configuration table is checked against this list by a test, so the two
 * cannot drift.
 */
export type Parser<T> = (raw: string) => T;

export interface VariableSpec<T, D extends string | undefined = string | undefined> {
  readonly name: string;
  readonly description: string;
  /** Shown in the README; `undefined` means unset (the feature it enables is off). */
  readonly defaultValue: D;
  readonly parse: Parser<T>;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** A table of variables: the platform's below, and each feature's own (see `Feature.settings`). */
export type VariableTable = Record<string, VariableSpec<unknown>>;

/** Declares one environment variable; features build their settings tables with it too. */
export const variable = <T, const D extends string | undefined>(name: string, defaultValue: D, parse: Parser<T>, description: string): VariableSpec<T, D> => ({
  name,
  defaultValue,
  parse,
  description,
});

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

export const parsers = {
  string: (raw: string) => raw,
  integer:
    (min: number, max: number): Parser<number> =>
    (raw) => {
      if (!/^-?\d+$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
      const value = Number(raw);
      if (value < min || value > max) throw new Error(`must be between ${min} and ${max}, got ${value}`);
      return value;
    },
  oneOf:
    <const T extends string>(...values: T[]): Parser<T> =>
    (raw) => {
      if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
      return raw as T;
    },
  url:
    (...protocols: string[]): Parser<string> =>
    (raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error(`must be a URL, got "${raw}"`);
      }
      if (!protocols.includes(url.protocol)) throw new Error(`must use ${protocols.join(' or ')}, got ${url.protocol}`);
      return raw;
    },
  /** A duration such as `250ms`, `5s`, `10m`, `4h` or `30d`, in milliseconds. */
  duration:
    (minMs: number, maxMs: number): Parser<number> =>
    (raw) => {
      const match = /^(\d+)(ms|s|m|h|d)$/.exec(raw);
      if (!match) throw new Error(`must be a duration like 500ms, 5s, 10m, 4h or 30d, got "${raw}"`);
      const value = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
      if (value < minMs || value > maxMs) throw new Error(`must be between ${minMs} ms and ${maxMs} ms, got ${value} ms`);
      return value;
    },
  /** A byte size such as `65536`, `64KiB`, `100MiB` or `8GiB`. */
  bytes:
    (min: number, max: number): Parser<number> =>
    (raw) => {
      const match = /^(\d+)(B|KiB|MiB|GiB)?$/.exec(raw);
      if (!match) throw new Error(`must be a size like 65536, 64KiB, 100MiB or 8GiB, got "${raw}"`);
      const value = Number(match[1]) * BYTE_UNITS[(match[2] ?? 'B') as keyof typeof BYTE_UNITS];
      if (value < min || value > max) throw new Error(`must be between ${min} and ${max} bytes, got ${value}`);
      return value;
    },
  boolean: (raw: string) => {
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new Error(`must be true or false, got "${raw}"`);
  },
};

export const ROLES = ['all', 'gateway', 'api', 'worker', 'transcoder'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that answer the public HTTP API; the others serve only probes and metrics besides their own work. */
export function servesApi(role: Role): boolean {
  return role === 'all' || role === 'api';
}

export const configSpec = {
  role: variable('ROLE', 'all', parsers.oneOf(...ROLES), 'Which parts this process runs; `all` runs everything in one process.'),
  host: variable('HOST', '127.0.0.1', parsers.string, 'Interface the HTTP server listens on (`0.0.0.0` to expose it).'),
  port: variable('PORT', '8080', parsers.integer(0, 65535), 'HTTP port (0 picks a free one).'),
  dataDir: variable('DATA_DIR', './data', parsers.string, 'Where the embedded engines keep their files (SQLite, blobs, generated secrets).'),
  nodeId: variable('NODE_ID', '0', parsers.integer(0, 1023), 'This process’s id in Snowflake ids; must differ between processes sharing a database.'),
  logLevel: variable('LOG_LEVEL', 'info', parsers.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'pino log level.'),
  databaseUrl: variable('DATABASE_URL', undefined, parsers.url('postgres:', 'postgresql:'), 'PostgreSQL URL; unset → embedded SQLite in DATA_DIR.'),
  redisUrl: variable('REDIS_URL', undefined, parsers.url('redis:', 'rediss:'), 'Redis URL for cache, rate limits, presence and pub/sub; unset → in-process.'),
  natsUrl: variable('NATS_URL', undefined, parsers.url('nats:', 'tls:'), 'NATS (JetStream) URL for events and work queues; unset → embedded bus over the SQL outbox.'),
  s3Endpoint: variable('S3_ENDPOINT', undefined, parsers.url('http:', 'https:'), 'S3-compatible endpoint for blobs; unset (with S3_BUCKET) → local directory in DATA_DIR.'),
  s3Bucket: variable('S3_BUCKET', undefined, parsers.string, 'Bucket for blobs when S3 is used.'),
  s3Region: variable('S3_REGION', 'us-east-1', parsers.string, 'S3 region.'),
  s3AccessKeyId: variable('S3_ACCESS_KEY_ID', undefined, parsers.string, 'S3 access key id (else the AWS SDK’s default credential chain).'),
  s3SecretAccessKey: variable('S3_SECRET_ACCESS_KEY', undefined, parsers.string, 'S3 secret access key.'),
  s3ForcePathStyle: variable('S3_FORCE_PATH_STYLE', 'true', parsers.boolean, 'Path-style bucket URLs (needed by most self-hosted S3 servers).'),
  authSigningKey: variable('AUTH_SIGNING_KEY', undefined, parsers.string, 'Ed25519 private key (PKCS#8 PEM) signing access tokens; unset → generated once into DATA_DIR/secrets. Set the same on every node.'),
  cursorSecret: variable('CURSOR_SECRET', undefined, parsers.string, 'HMAC secret for pagination cursors (≥ 32 chars); unset → generated once into DATA_DIR/secrets. Same on every node.'),
  accessTokenTtlSeconds: variable('ACCESS_TOKEN_TTL_SECONDS', '900', parsers.integer(30, 900), 'Lifetime of an access token (at most 15 minutes).'),
  refreshTokenTtlSeconds: variable('REFRESH_TOKEN_TTL_SECONDS', '2592000', parsers.integer(300, 31_536_000), 'Lifetime of a refresh token (default 30 days).'),
  bodyLimitBytes: variable('BODY_LIMIT_BYTES', '1048576', parsers.integer(1024, 64 * 1024 * 1024), 'Largest JSON request body accepted (413 beyond).'),
  rateLimitIpBurst: variable('RATE_LIMIT_IP_BURST', '600', parsers.integer(1, 1_000_000), 'Token-bucket capacity per client IP.'),
  rateLimitIpPerSecond: variable('RATE_LIMIT_IP_PER_SECOND', '100', parsers.integer(1, 1_000_000), 'Token-bucket refill per client IP per second.'),
  rateLimitAccountBurst: variable('RATE_LIMIT_ACCOUNT_BURST', '300', parsers.integer(1, 1_000_000), 'Token-bucket capacity per signed-in account.'),
  rateLimitAccountPerSecond: variable('RATE_LIMIT_ACCOUNT_PER_SECOND', '50', parsers.integer(1, 1_000_000), 'Token-bucket refill per signed-in account per second.'),
  rateLimitLoginBurst: variable('RATE_LIMIT_LOGIN_BURST', '10', parsers.integer(1, 1_000_000), 'Sign-in attempts per IP before throttling (refills one per 6 s).'),
  idempotencyTtlSeconds: variable('IDEMPOTENCY_TTL_SECONDS', '86400', parsers.integer(60, 7 * 86400), 'How long a stored response is replayed for its Idempotency-Key.'),
  shutdownTimeoutMs: variable('SHUTDOWN_TIMEOUT_MS', '10000', parsers.integer(0, 600_000), 'How long graceful shutdown waits for in-flight work before closing anyway.'),
  adminHandles: variable(
    'ADMIN_HANDLES',
    '',
    (raw) => raw.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    'Comma-separated account handles allowed on the /v1/admin routes (dead letters).',
  ),
  trustProxy: variable('TRUST_PROXY', 'false', parsers.boolean, 'Take the client IP from X-Forwarded-For (set behind the nginx edge).'),
} as const;
