/**
 * The chat server as the `chat` benchmark drives it: the whole platform plus the chat
 * feature on the embedded engines (SQLite, in-process bus and cache) in a fresh data
 * directory, one process, logs to /dev/null. Prints its port on the first stdout line.
 * Rate limits are lifted: the benchmark measures the delivery path, not the throttle.
 * With CHAT_PROBE_DIR set it is also instrumented for `chat-profile` (chat-server-probe.ts).
 */
// The runtime settings of the product's own entry point (app/src/main.ts).
import '@twin/platform/runtime-flags';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatFeature } from '@twin/chat-server';
import { createLogger, createPlatform, createPlatformApp, featureMigrations, loadConfig, loadFeatureSettings, startFeatures } from '@twin/platform';
import { instrumentChatServer } from './chat-server-probe.ts';

// `chat-profile` asks for SQL statement timings and a CPU profile of the load windows.
if (process.env.CHAT_PROBE_DIR) await instrumentChatServer(process.env.CHAT_PROBE_DIR);

const env = {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-chat-')),
  PORT: '0',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_LOGIN_BURST: '1000000',
  RATE_LIMIT_IP_BURST: '1000000',
  RATE_LIMIT_IP_PER_SECOND: '1000000',
  RATE_LIMIT_ACCOUNT_BURST: '1000000',
  RATE_LIMIT_ACCOUNT_PER_SECOND: '1000000',
  ...process.env,
};
const config = loadConfig(env);
const settings = loadFeatureSettings([chatFeature], env);
const platform = await createPlatform(config, { migrations: featureMigrations([chatFeature]), logger: createLogger({ level: 'warn', file: '/dev/null' }) });
const running = await startFeatures(platform, settings);
const app = await createPlatformApp(platform);
await running.register(app);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await running.stop();
  await platform.close();
  process.exit(0);
});
