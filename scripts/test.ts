/**
 * The one test command: type-checks the repo, then runs every `*.test.ts` under node's
 * built-in runner. Test files run in parallel processes; each engine-backed test isolates
 * itself (a PostgreSQL schema, a Redis key prefix, a NATS stream name per run).
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const patterns = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = globSync(patterns.length > 0 ? patterns : ['**/*.test.ts'], {
  exclude: (path) => path.includes('node_modules') || path.startsWith('data'),
}).sort();

if (!flags.includes('--no-typecheck')) {
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('typecheck failed');
    process.exit(tsc.status ?? 1);
  }
}

const run = spawnSync(
  process.execPath,
  // --test-force-exit: a failed test that leaked a connection must not hold the run open.
  ['--test', '--test-concurrency=4', '--test-timeout=120000', '--test-force-exit', ...flags.filter((f) => f !== '--no-typecheck'), ...files],
  { stdio: 'inherit' },
);
process.exit(run.status ?? 1);
