/**
 * The SQLite extensions of the embedded engine: C sources in native/, compiled by
 * platform/scripts/build-sqlite-extensions.ts (run by `npm ci`) into platform/build/,
 * and loaded into every connection the engine opens.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/** Each is native/<name>.c. fts5-bm25df: FTS5's bm25 with the caller's document counts. */
export const SQLITE_EXTENSIONS = ['fts5-bm25df'] as const;

const BUILD_DIR = join(import.meta.dirname, '../../build');

/** Where the compiled extension `name` (native/<name>.c) is. */
export function sqliteExtensionPath(name: string): string {
  return join(BUILD_DIR, `${name}.${process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so'}`);
}

export function loadSqliteExtensions(database: Database.Database): void {
  for (const name of SQLITE_EXTENSIONS) {
    const path = sqliteExtensionPath(name);
    if (!existsSync(path)) throw new Error(`${path} is missing: npm ci builds it (with a C compiler; see platform/scripts/build-sqlite-extensions.ts).`);
    database.loadExtension(path);
  }
}
