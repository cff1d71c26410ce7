/**
 * `npm run reindex`: rebuilds the video search index (reindex.ts) on the database the
 * environment names (DATABASE_URL, else the SQLite file under DATA_DIR), while the
 * service runs and answers searches. Needs the schema the service creates at start.
 */
import { join } from 'node:path';
import { loadConfig, loadSettings } from '@twin/platform';
import { createSqlEngine } from '@twin/platform/sql';
import { videoSettings } from '../settings.ts';
import { searchIndexFor } from './index.ts';
import { reindexVideos } from './reindex.ts';

const config = loadConfig();
const { searchReindexBatch } = loadSettings(videoSettings);
// The same file platform.ts opens for the embedded engine.
const engine = createSqlEngine({ databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'db', 'twin.sqlite') });
const index = searchIndexFor(engine.db);
const started = performance.now();
try {
  const report = await reindexVideos(engine.db, index, {
    batchSize: searchReindexBatch,
    onBatch: (r) => process.stdout.write(`\r${r.videos} videos read, ${r.indexed} indexed, ${r.removed} removed`),
  });
  process.stdout.write(`\r${report.videos} videos read, ${report.indexed} indexed, ${report.removed} removed (${index.name}, ${Math.round(performance.now() - started)} ms)\n`);
} finally {
  await engine.close();
}
