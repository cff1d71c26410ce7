/**
 * The local store's file moves: streaming a body into a temp file while hashing it,
 * renaming it into the data tree (remaking a folder a concurrent delete pruned), and
 * pruning folders a delete left empty. Filesystem refusals that mean "this key cannot
 * live here" become InvalidBlobKeyError.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DurableWriteStream } from './durable-write-stream.ts';
import { InvalidBlobKeyError } from './errors.ts';
import { isFsError } from './local-sidecar.ts';

/** Streams `body` into a new file at `path`, fsyncs it, and returns the bytes' SHA-256 hex. */
export async function writeHashing(path: string, body: Readable | Buffer | Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  // Synced before it resolves: an acknowledged upload survives a power cut.
  if (body instanceof Uint8Array) {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    hash.update(bytes);
    await writeFile(path, bytes, { flag: 'wx', flush: true });
    return hash.digest('hex');
  }
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, hashing, new DurableWriteStream(path, { flags: 'wx' }));
  return hash.digest('hex');
}

/** Creates the folders `path` needs; refuses a key lying under another key's file. */
export async function makeFolderFor(key: string, path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw asKeyError(key, error);
  }
}

/** Renames the temp file `from` onto `to`, atomically replacing any file there. */
export async function renameIntoPlace(key: string, from: string, to: string): Promise<void> {
  // A concurrent delete may prune the folder between mkdir and rename: make it again.
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      if (!isFsError(error, 'ENOENT') || attempt === 5) throw asKeyError(key, error);
      await makeFolderFor(key, to);
    }
  }
}

/** Removes the folders of `key` under `dataDir` left empty, deepest first, never `dataDir`. */
export async function removeEmptyFolders(dataDir: string, key: string): Promise<void> {
  const segments = key.split('/').slice(0, -1);
  while (segments.length > 0) {
    try {
      await rmdir(join(dataDir, ...segments));
    } catch {
      return; // not empty (or gone): the folders above are not empty either
    }
    segments.pop();
  }
}

function asKeyError(key: string, error: unknown): unknown {
  if (isFsError(error, 'EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST')) {
    return new InvalidBlobKeyError(key, 'is the folder of other keys, or lies under another key (a local store cannot hold both)', { cause: error });
  }
  if (isFsError(error, 'ENAMETOOLONG')) return new InvalidBlobKeyError(key, 'too long for the filesystem', { cause: error });
  return error;
}
