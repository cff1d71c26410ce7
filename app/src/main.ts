/**
 * The one entry point. Reads the environment, builds the platform on the configured
 * engines, serves the roles selected by ROLE (`all` and `api` answer the public API;
 * every role answers /healthz, /readyz and /metrics), and prints where to open it.
 * `npm start` runs everything on the embedded engines with data under ./data.
 */
import { ConfigError, createPlatform, createPlatformApp, loadConfig, runWithGracefulShutdown, servesApi } from '@twin/platform';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const platform = await createPlatform(config);
const app = await createPlatformApp(platform, { api: servesApi(config.role) });
const { url } = await runWithGracefulShutdown({ app, platform, host: config.host, port: config.port, shutdownTimeoutMs: config.shutdownTimeoutMs });

const engines = [
  platform.sql.name,
  config.redisUrl ? 'redis' : 'in-process cache',
  config.natsUrl ? 'nats' : 'embedded bus',
  config.s3 ? 's3' : `blobs in ${config.dataDir}/blobs`,
].join(', ');
platform.logger.info({ url, role: config.role, engines }, 'listening');
process.stdout.write(`\n  twin (${config.role}) is running on ${engines}\n  open ${url}/docs for the API, ${url}/healthz, ${url}/metrics\n\n`);
