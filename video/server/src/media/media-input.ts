/**
 * What validation reads: a location ffmpeg and ffprobe open themselves — a local path or
 * an http(s) URL they read with Range requests — plus random access to the same bytes
 * for the checks done here (magic bytes, MP4 box walk). A source in a remote store is
 * validated without first copying it whole: only the bytes the checks touch travel.
 */
import { open, stat } from 'node:fs/promises';

export interface MediaInput {
  /** A path or URL for ffmpeg/ffprobe. */
  readonly location: string;
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A local file as a MediaInput. */
export async function fileInput(path: string): Promise<MediaInput> {
  const { size } = await stat(path);
  return {
    location: path,
    size,
    async read(offset, length) {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}
