/**
 * Scrub-preview storyboard: one JPEG sprite holding a grid of small thumbnails (one
 * every `interval` whole seconds, chosen so there are at most maxTiles) and a WebVTT
 * index whose cues point into it with media fragments (`sprite.jpg#xywh=x,y,w,h`), the
 * format video.js, Plyr and PeerTube's player read. The sprite is one filter chain,
 * fps → scale → tile (`storyboardFilter`). The ladder encode runs it as one more branch of
 * its split (hls-ladder.ts), so it costs no decode of its own; renderStoryboard runs it
 * alone (parallel mode's stitch, which decodes nothing else). There, for long sources only
 * keyframes are decoded (`-skip_frame nokey`): a thumbnail every minute or so does not
 * need every frame, and decoding a 4-hour file in full would cost more than the
 * transcode's share of it.
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

/** The sprite's geometry and timing, known before anything is decoded. */
export type StoryboardGrid = Pick<Storyboard, 'tiles' | 'columns' | 'rows' | 'tileWidth' | 'tileHeight' | 'intervalSec'>;

export const SPRITE_FILE = 'sprite.jpg';
export const STORYBOARD_VTT = 'storyboard.vtt';
const COLUMNS = 10;
/** Above this duration only keyframes are decoded. */
const KEYFRAMES_ONLY_ABOVE_SEC = 600;

/** The grid for a source of this duration and display size (width × height as shown). */
export function planStoryboard(o: { durationSec: number; width: number; height: number; tileWidth?: number; maxTiles?: number }): StoryboardGrid {
  if (!(o.durationSec > 0)) throw new RangeError(`storyboard needs a positive duration, got ${o.durationSec}`);
  if (!(o.width > 0 && o.height > 0)) throw new RangeError(`storyboard needs a video size, got ${o.width}x${o.height}`);
  const tileWidth = evenAtLeast2(o.tileWidth ?? 160);
  const maxTiles = Math.max(1, o.maxTiles ?? 100);
  const intervalSec = Math.max(1, Math.ceil(o.durationSec / maxTiles));
  const tiles = Math.max(1, Math.ceil(o.durationSec / intervalSec));
  const columns = Math.min(COLUMNS, tiles);
  const rows = Math.ceil(tiles / columns);
  return { tiles, columns, rows, tileWidth, tileHeight: evenAtLeast2((tileWidth * o.height) / o.width), intervalSec };
}

/** The filter chain from decoded (display-oriented) frames to the one sprite frame. */
export function storyboardFilter(grid: StoryboardGrid): string {
  return `fps=1/${grid.intervalSec},scale=${grid.tileWidth}:${grid.tileHeight},setsar=1,tile=${grid.columns}x${grid.rows}`;
}

/** ffmpeg output options writing the sprite frame of `storyboardFilter` to `file`. */
export function spriteOutputArgs(file: string): string[] {
  return ['-frames:v', '1', '-q:v', '5', '-f', 'image2', '-c:v', 'mjpeg', file];
}

/** Where the sprite is written before `finishStoryboard` renames it into place. */
export const spriteTempFile = (outDir: string) => join(outDir, `${SPRITE_FILE}.tmp`);

/** Moves the rendered sprite into place and writes the VTT index beside it. */
export async function finishStoryboard(outDir: string, grid: StoryboardGrid, durationSec: number): Promise<Storyboard> {
  await rename(spriteTempFile(outDir), join(outDir, SPRITE_FILE));
  const vttTemp = join(outDir, `${STORYBOARD_VTT}.tmp`);
  await writeFile(vttTemp, storyboardVtt({ ...grid, durationSec }));
  await rename(vttTemp, join(outDir, STORYBOARD_VTT));
  return { sprite: SPRITE_FILE, vtt: STORYBOARD_VTT, ...grid };
}

export async function renderStoryboard(options: StoryboardOptions): Promise<Storyboard> {
  const { input, outDir, durationSec, signal } = options;
  if (!(durationSec > 0)) throw new RangeError(`storyboard needs a positive duration, got ${durationSec}`);
  const grid = planStoryboard({ durationSec, ...(await displaySize(input, signal)), ...(options.tileWidth ? { tileWidth: options.tileWidth } : {}), ...(options.maxTiles ? { maxTiles: options.maxTiles } : {}) });
  await mkdir(outDir, { recursive: true });
  await runToolOrThrow('ffmpeg', [
    '-nostdin', '-v', 'error', '-y',
    ...(durationSec > KEYFRAMES_ONLY_ABOVE_SEC ? ['-skip_frame', 'nokey'] : []),
    '-i', input, '-map', '0:V:0', '-vf', storyboardFilter(grid), ...spriteOutputArgs(spriteTempFile(outDir)),
  ], signal ? { signal } : {});
  return finishStoryboard(outDir, grid, durationSec);
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

async function displaySize(input: string, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  const video = primaryVideoStream((await probe(input, signal)).streams);
  if (!video?.width || !video.height) throw new Error(`${input} has no video stream to storyboard`);
  const rotated = [90, 270].includes(streamRotation(video));
  return rotated ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
}

function evenAtLeast2(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
