/**
 * Where @tus/file-store keeps what it knows of each upload (length, metadata, creation
 * time) when the bytes go to the local blob store: one JSON file per upload under
 * DATA_DIR/uploads, named by video id, so the blob store holds only the source itself and
 * an upload resumes after a restart. (tus's own FileKvStore would want the JSON beside the
 * bytes, inside the blob store.) `list` serves tus expiration.
 */
import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { KvStore, Upload } from '@tus/server';
import type { VideoId } from '../ids.ts';
import { sourceKey, videoOfUpload } from './upload-ids.ts';

export class UploadInfoStore implements KvStore<Upload> {
  readonly #dir: string;
  #ready: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async get(uploadId: string): Promise<Upload | undefined> {
    const file = this.#file(uploadId);
    if (!file) return undefined;
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Upload;
    } catch {
      return undefined;
    }
  }

  async set(uploadId: string, value: Upload): Promise<void> {
    const file = this.#file(uploadId);
    if (!file) throw new Error(`not an upload id: ${uploadId}`);
    this.#ready ??= mkdir(this.#dir, { recursive: true });
    await this.#ready;
    // Temp + rename: a crash mid-write must not leave an upload that no longer parses.
    await writeFile(`${file}.tmp`, JSON.stringify(value));
    await rename(`${file}.tmp`, file);
  }

  async delete(uploadId: string): Promise<void> {
    const file = this.#file(uploadId);
    if (file) await rm(file, { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9]{1,20}\.json$/.test(n)).map((n) => sourceKey(n.slice(0, -5) as VideoId));
  }

  #file(uploadId: string): string | undefined {
    const video = videoOfUpload(uploadId);
    return video ? join(this.#dir, `${video}.json`) : undefined;
  }
}
