/**
 * Moving transcoder files through the blob seam: a source down to a local file (ffmpeg
 * wants a path; on a local store it reads the blob's own file), and an output directory up
 * under a key prefix with HLS-friendly media types. Puts overwrite, so a redelivered job
 * rewrites the same keys (idempotent outputs).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '@twin/platform/blob';

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
};

export function contentTypeFor(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** A local path holding the blob's bytes: the store's own file when local, else a download into `file`. */
export async function fetchToLocal(blob: BlobStore, key: string, file: string): Promise<string> {
  const local = blob.localPath(key);
  if (local && (await stat(local).catch(() => undefined))) return local;
  const { body } = await blob.get(key);
  await pipeline(body, createWriteStream(file));
  return file;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Uploads every file under `dir` to `prefix` + its relative path; returns the keys with their sizes. */
export async function uploadDirectory(blob: BlobStore, dir: string, prefix: string, concurrency = 8): Promise<Array<{ key: string; size: number }>> {
  const files = await listFiles(dir);
  const out: Array<{ key: string; size: number }> = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const key = `${prefix}${relative(dir, file).split('\\').join('/')}`;
      const info = await blob.put(key, createReadStream(file), { contentType: contentTypeFor(file) });
      out.push({ key, size: info.size });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Downloads every object under `prefix` into `dir`, keeping the relative paths. */
export async function downloadPrefix(blob: BlobStore, prefix: string, dir: string): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await blob.list(prefix, cursor ? { cursor } : {});
    for (const info of page.keys) {
      const file = join(dir, ...info.key.slice(prefix.length).split('/'));
      await mkdir(dirname(file), { recursive: true });
      const { body } = await blob.get(info.key);
      await pipeline(body, createWriteStream(file));
      count++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}
