/**
 * Walks the local store's data tree in S3's order — keys ascending by UTF-8 bytes — so
 * `list` pages alike on both engines. A directory `d` sorts as `d/`, which puts `a-b`
 * (0x2d) before everything in `a/` (0x2f) and `a0` (0x30) after it, exactly as the flat
 * key space orders them. Subtrees wholly outside the prefix or wholly before the cursor
 * are never read.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys } from './keys.ts';
import { isFsError } from './local-sidecar.ts';

/**
 * Yields, in key order, every key under `dataDir` that starts with `prefix` and sorts
 * after `after` (when given). Reads one directory at a time.
 */
export async function* walkKeys(dataDir: string, prefix: string, after?: string): AsyncGenerator<string> {
  // Start in the deepest folder the prefix names completely: 'videos/12' → 'videos/'.
  const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  yield* walkFolder(dataDir, folder, prefix, after);
}

async function* walkFolder(dataDir: string, folder: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(dataDir, ...folder.split('/')), { withFileTypes: true });
  } catch (error) {
    if (isFsError(error, 'ENOENT', 'ENOTDIR')) return;
    throw error;
  }
  const items = entries
    .filter((e) => e.isFile() || e.isDirectory())
    .map((e) => ({ path: folder + e.name + (e.isDirectory() ? '/' : ''), isFolder: e.isDirectory() }))
    .sort((a, b) => compareKeys(a.path, b.path));

  for (const { path, isFolder } of items) {
    if (isFolder) {
      // Keys inside start with `path`: skip unless that can still match the prefix…
      if (!path.startsWith(prefix) && !prefix.startsWith(path)) continue;
      // …and unless some of them sort after the cursor.
      if (after !== undefined && !after.startsWith(path) && compareKeys(path, after) < 0) continue;
      yield* walkFolder(dataDir, path, prefix, after);
    } else {
      if (!path.startsWith(prefix)) continue;
      if (after !== undefined && compareKeys(path, after) <= 0) continue;
      yield path;
    }
  }
}
