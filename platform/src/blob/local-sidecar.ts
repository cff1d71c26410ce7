/**
 * The local store's metadata: one small JSON sidecar per key holding the SHA-256 etag
 * and content type of the bytes, plus the identity of the data file they describe
 * (inode, size, mtime in ns). A reader trusts a sidecar only when that identity matches
 * the data file it opened, so a sidecar can never lend its etag to other bytes: a put
 * caught between its two renames, a crash, or a lost write just reads as "no sidecar",
 * and the reader rehashes the bytes and writes a fresh one (see `LocalBlobStore`).
 *
 * Sidecars live apart from the data, under `meta/<hh>/<sha256(key)>.json`, so they take
 * no names from the key space and never collide with key folders.
 */
import { createHash } from 'node:crypto';
import { read, type BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BlobInfo } from './interface.ts';
import { defaultContentType } from './keys.ts';

/** What a sidecar file holds (version 1). */
export interface Sidecar {
  readonly v: 1;
  readonly key: string;
  /** Strong etag in HTTP form: the quoted SHA-256 hex of the bytes. */
  readonly etag: string;
  readonly contentType?: string;
  /** Identity of the data file this describes; bigints as decimal strings. */
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
}

/** The etag of bytes whose SHA-256 is `digestHex`. */
export function etagOf(digestHex: string): string {
  return `"${digestHex}"`;
}

/** The sidecar describing the data file with `stats`. */
export function sidecarFor(key: string, stats: BigIntStats, etag: string, contentType: string | undefined): Sidecar {
  return {
    v: 1,
    key,
    etag,
    ...(contentType === undefined ? {} : { contentType }),
    ino: stats.ino.toString(),
    size: stats.size.toString(),
    mtimeNs: stats.mtimeNs.toString(),
  };
}

/** True when `sidecar` was written for exactly the data file with `stats`. */
export function describes(sidecar: Sidecar, key: string, stats: BigIntStats): boolean {
  return (
    sidecar.key === key &&
    sidecar.ino === stats.ino.toString() &&
    sidecar.size === stats.size.toString() &&
    sidecar.mtimeNs === stats.mtimeNs.toString()
  );
}

/** The BlobInfo a trusted sidecar and its data file's stats give. */
export function infoFrom(sidecar: Sidecar, stats: BigIntStats): BlobInfo {
  return {
    key: sidecar.key,
    size: Number(stats.size),
    etag: sidecar.etag,
    lastModified: new Date(Number(stats.mtimeNs / 1_000_000n)),
    contentType: sidecar.contentType ?? defaultContentType,
  };
}

/** Where the sidecar of `key` lives under `metaDir`. */
export function sidecarPath(metaDir: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex');
  return join(metaDir, hash.slice(0, 2), `${hash}.json`);
}

/** The sidecar at `path`, or undefined when it is absent or unreadable (treated as lost). */
export async function readSidecar(path: string): Promise<Sidecar | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isFsError(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Sidecar>;
    return parsed.v === 1 && typeof parsed.etag === 'string' ? (parsed as Sidecar) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the sidecar at `path` atomically (temp file in `tmpDir`, then rename). No
 * fsync: a sidecar lost to a power cut is rebuilt from the bytes on the next read.
 */
export async function writeSidecar(path: string, sidecar: Sidecar, tmpPath: string): Promise<void> {
  try {
    await writeFile(tmpPath, JSON.stringify(sidecar), { flag: 'wx' });
    await mkdir(dirname(path), { recursive: true });
    await rename(tmpPath, path);
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
}

const readAt = promisify(read);

/** SHA-256 hex of everything in the open file, read from byte 0; leaves the descriptor open. */
export async function hashOpenFile(fd: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  for (let position = 0; ; ) {
    const { bytesRead } = await readAt(fd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) return hash.digest('hex');
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

/** True when `error` is a Node system error with one of `codes`. */
export function isFsError(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}
