/**
 * The poster: one JPEG frame, by default at its source size, the first at or after
 * `atSec`. The ladder encode takes it as one more branch of its split (posterFilter; the
 * frames are decoded already), then finishPoster moves it into place. renderPoster takes
 * it alone (parallel mode, whose stitch decodes nothing) with input seeking, so it costs
 * one GOP of decoding whatever the video's length. A time past the end yields no frame;
 * the first frame is used instead. Written to a temp name and renamed, so a crashed job
 * never leaves half a JPEG behind.
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

/** mjpeg's qscale: 2 is best, 31 worst; 3 keeps a full-size frame sharp at a fraction of its PNG. */
const POSTER_QUALITY = 3;

/** Where YouTube takes its default: a little in, past fade-ins; never past the end of short clips. */
export const posterTimeSec = (durationSec: number) => Math.min(durationSec * 0.1, 5);

/** Keeps one frame of a stream: the first at or after `atSec`. */
export function posterFilter(atSec: number): string {
  return `select='isnan(prev_selected_t)*gte(t,${atSec.toFixed(3)})'`;
}

/** ffmpeg output options writing the frame of `posterFilter` to `posterTempFile(file)`. */
export function posterOutputArgs(file: string): string[] {
  return ['-q:v', String(POSTER_QUALITY), '-f', 'image2', '-update', '1', '-c:v', 'mjpeg', posterTempFile(file)];
}

/** Where a poster is written before it is moved into place. */
export const posterTempFile = (file: string) => `${file}.tmp`;

/** Moves the frame the encode wrote into place; when it wrote none (`atSec` past the last frame), grabs the first frame of `input`. */
export async function finishPoster(input: string, file: string, signal?: AbortSignal): Promise<void> {
  if (await nonEmpty(posterTempFile(file))) return rename(posterTempFile(file), file);
  await renderPoster({ input, outFile: file, atSec: 0, ...(signal ? { signal } : {}) });
}

export async function renderPoster(options: PosterOptions): Promise<void> {
  const temp = posterTempFile(options.outFile);
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
    '-q:v', String(POSTER_QUALITY), '-f', 'image2', '-c:v', 'mjpeg', outFile,
  ], options.signal ? { signal: options.signal } : {});
}

async function nonEmpty(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.size ? true : false;
}
