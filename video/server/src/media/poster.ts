/**
 * The poster: one JPEG frame, by default at its source size, taken at `atSec` (input
 * seeking, so it costs one GOP of decoding whatever the video's length). A time past
 * the end yields no frame from ffmpeg; the first frame is used instead. Written to a
 * temp name and renamed, so a crashed job never leaves half a JPEG behind.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { runToolOrThrow } from './run-ffmpeg.ts';

export interface PosterOptions {
  input: string;
  outFile: string;
  atSec: number;
  /** Output width in pixels (height follows the aspect, even); default the source width. */
  width?: number;
  signal?: AbortSignal;
}

export async function renderPoster(options: PosterOptions): Promise<void> {
  const temp = `${options.outFile}.tmp`;
  await rm(temp, { force: true });
  await grabFrame(options, Math.max(0, options.atSec), temp);
  if (!(await nonEmpty(temp)) && options.atSec > 0) await grabFrame(options, 0, temp);
  if (!(await nonEmpty(temp))) throw new Error(`no frame could be decoded from ${options.input}`);
  await rename(temp, options.outFile);
}

async function grabFrame(options: PosterOptions, atSec: number, outFile: string): Promise<void> {
  const filters = options.width ? [`scale=${options.width}:-2`] : [];
  await runToolOrThrow('ffmpeg', [
    '-nostdin', '-v', 'error', '-y', '-ss', atSec.toFixed(3), '-i', options.input,
    '-map', '0:V:0', '-frames:v', '1', ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', outFile,
  ], options.signal ? { signal: options.signal } : {});
}

async function nonEmpty(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.size ? true : false;
}
