/**
 * The full platform stack on the embedded engines, as `npm start` runs it: request ids,
 * auth and rate-limit hooks, validation, the error handler, RED metrics and one pino log
 * line per request (written to /dev/null so the terminal is not the bottleneck).
 */
// The runtime settings of the product's own entry point (app/src/main.ts).
import '@twin/platform/runtime-flags';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createPlatform, createPlatformApp, loadConfig } from '@twin/platform';

const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-platform-')), PORT: '0', LOG_LEVEL: 'info' });
const platform = await createPlatform(config, { logger: createLogger({ level: 'info', file: '/dev/null' }) });
const app = await createPlatformApp(platform);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await platform.close();
  process.exit(0);
});
