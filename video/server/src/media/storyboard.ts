/**
 * Scrub-preview storyboard: one JPEG sprite holding a grid of small thumbnails (one
 * every `interval` whole seconds, chosen so there are at most maxTiles) and a WebVTT
 * index whose cues point into it with media fragments (`sprite.jpg#xywh=x,y,w,h`), the
 * format video.js, Plyr and PeerTube's player read. One ffmpeg pass: fps → scale → tile.
 * For long sources only keyframes are decoded (`-skip_frame nokey`): a thumbnail every
 * minute or so does not need every frame, and decoding a 4-hour file in full would cost
 * more than the transcode's share of it.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probe, primaryVideoStream, streamRotation } from './ffprobe.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';

export interface StoryboardOptions {
  input: string;
  outDir: string;
  durationSec: number;
  /** Thumbnail width in pixels, default 160. */
  tileWidth?: number;
  /** Upper bound on thumbnails, default 100. */
  maxTiles?: number;
  signal?: AbortSignal;
}

export interface Storyboard {
  /** File names relative to outDir. */
  sprite: string;
  vtt: string;
  tiles: number;
  /** Extra detail for the catalog: grid and tile geometry, seconds per tile. */
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  intervalSec: number;
}

export const SPRITE_FILE = 'sprite.jpg';
export const STORYBOARD_VTT = 'storyboard.vtt';
const COLUMNS = 10;
/** Above this duration only keyframes are decoded. */
const KEYFRAMES_ONLY_ABOVE_SEC = 600;

export async function renderStoryboard(options: StoryboardOptions): Promise<Storyboard> {
  const { input, outDir, durationSec, signal } = options;
  if (!(durationSec > 0)) throw new RangeError(`storyboard needs a positive duration, got ${durationSec}`);
  const tileWidth = evenAtLeast2(options.tileWidth ?? 160);
  const maxTiles = Math.max(1, options.maxTiles ?? 100);
  const intervalSec = Math.max(1, Math.ceil(durationSec / maxTiles));
  const tiles = Math.max(1, Math.ceil(durationSec / intervalSec));
  const columns = Math.min(COLUMNS, tiles);
  const rows = Math.ceil(tiles / columns);
  const tileHeight = await tileHeightFor(input, tileWidth, signal);

  await mkdir(outDir, { recursive: true });
  const spriteTemp = join(outDir, `${SPRITE_FILE}.tmp`);
  await runToolOrThrow('ffmpeg', [
    '-nostdin', '-v', 'error', '-y',
    ...(durationSec > KEYFRAMES_ONLY_ABOVE_SEC ? ['-skip_frame', 'nokey'] : []),
    '-i', input, '-map', '0:V:0',
    '-vf', `fps=1/${intervalSec},scale=${tileWidth}:${tileHeight},setsar=1,tile=${columns}x${rows}`,
    '-frames:v', '1', '-q:v', '5', '-f', 'image2', '-c:v', 'mjpeg', spriteTemp,
  ], signal ? { signal } : {});
  await rename(spriteTemp, join(outDir, SPRITE_FILE));

  const vttTemp = join(outDir, `${STORYBOARD_VTT}.tmp`);
  await writeFile(vttTemp, storyboardVtt({ tiles, columns, tileWidth, tileHeight, intervalSec, durationSec }));
  await rename(vttTemp, join(outDir, STORYBOARD_VTT));
  return { sprite: SPRITE_FILE, vtt: STORYBOARD_VTT, tiles, columns, rows, tileWidth, tileHeight, intervalSec };
}

/** The WebVTT index: cue i covers [i·interval, min((i+1)·interval, duration)). */
export function storyboardVtt(grid: { tiles: number; columns: number; tileWidth: number; tileHeight: number; intervalSec: number; durationSec: number }): string {
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < grid.tiles; i++) {
    const start = i * grid.intervalSec;
    const end = Math.min((i + 1) * grid.intervalSec, grid.durationSec);
    const x = (i % grid.columns) * grid.tileWidth;
    const y = Math.floor(i / grid.columns) * grid.tileHeight;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${SPRITE_FILE}#xywh=${x},${y},${grid.tileWidth},${grid.tileHeight}`, '');
  }
  return lines.join('\n');
}

/** WebVTT timestamps: hh:mm:ss.ttt. */
export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

async function tileHeightFor(input: string, tileWidth: number, signal?: AbortSignal): Promise<number> {
  const video = primaryVideoStream((await probe(input, signal)).streams);
  if (!video?.width || !video.height) throw new Error(`${input} has no video stream to storyboard`);
  const rotated = [90, 270].includes(streamRotation(video));
  const [w, h] = rotated ? [video.height, video.width] : [video.width, video.height];
  return evenAtLeast2((tileWidth * h) / w);
}

function evenAtLeast2(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
