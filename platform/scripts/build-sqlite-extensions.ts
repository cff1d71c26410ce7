/**
 * Compiles the SQLite extensions the embedded engine loads (platform/src/sql/native/<name>.c)
 * into platform/build/, against the headers of the SQLite that better-sqlite3 bundles.
 * Run by `npm ci` / `npm install` (the root package's postinstall); needs a C compiler
 * (`cc`, or $CC).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SQLITE_EXTENSIONS, sqliteExtensionPath } from '../src/sql/extensions.ts';

const source = join(import.meta.dirname, '../src/sql/native');
const headers = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps/sqlite3');
const cc = process.env.CC || 'cc';

for (const name of SQLITE_EXTENSIONS) {
  const file = `${name}.c`;
  const input = join(source, file);
  const output = sqliteExtensionPath(name);
  mkdirSync(dirname(output), { recursive: true });
  const args = ['-O2', '-fPIC', '-shared', '-Wall', '-I', headers, '-o', output, input, '-lm'];
  try {
    execFileSync(cc, args, { stdio: 'inherit' });
  } catch (error) {
    console.error(`\nCould not compile ${file} with \`${cc}\`: the embedded SQL engine needs it. Install a C compiler (Debian: apt-get install gcc libc6-dev; macOS: xcode-select --install) and run npm ci again.\n`);
    throw error;
  }
  console.log(`built ${output}`);
}
