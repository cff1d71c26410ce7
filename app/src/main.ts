/**
 * The one entry point. Reads the environment, builds the platform on the configured
 * engines, starts the features for the roles selected by ROLE (`all` and `api` answer the
 * public API; every role answers /healthz, /readyz and /metrics), and prints where to
 * open it. `npm start` runs everything on the embedded engines with data under ./data.
 */
import '@twin/platform/runtime-flags';

// Loaded only once the runtime flags hold: a process started without them is replaced by
// one started with them (runtime-flags.ts), and would otherwise have compiled all of this twice.
const { ConfigError, createPlatform, createPlatformApp, featureMigrations, loadConfig, loadFeatureSettings, runWithGracefulShutdown, servesApi, startFeatures } = await import('@twin/platform');
const { features } = await import('./features.ts');

let config;
let settings;
try {
  config = loadConfig();
  settings = loadFeatureSettings(features);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const platform = await createPlatform(config, { migrations: featureMigrations(features) });
const running = await startFeatures(platform, settings);
const app = await createPlatformApp(platform, { api: servesApi(config.role) });
await running.register(app);
const { url } = await runWithGracefulShutdown({ app, platform, host: config.host, port: config.port, shutdownTimeoutMs: config.shutdownTimeoutMs, beforeClose: () => running.stop() });

const engines = [
  platform.sql.name,
  config.redisUrl ? 'redis' : 'in-process cache',
  config.natsUrl ? 'nats' : 'embedded bus',
  config.s3 ? 's3' : `blobs in ${config.dataDir}/blobs`,
].join(', ');
platform.logger.info({ url, role: config.role, engines }, 'listening');
process.stdout.write(`\n  twin (${config.role}) is running on ${engines}\n  open ${url}/docs for the API, ${url}/healthz, ${url}/metrics\n\n`);
