/**
 * Parallel mode, step 2: the encodes that can run as separate jobs. A video chunk is
 * decoded from its keyframe (`-ss` before `-i`, `-t` up to the next chunk) and encoded
 * for every rung in one ffmpeg — the same split filter and keyframe rules as the
 * single-process ladder — into one MP4 per rung (outDir/<rung>/chunk.mp4), video only.
 * Each chunk's timeline starts at zero; stitchHls lays them end to end. The audio is
 * encoded once for the whole source (outDir/audio.mp4): encoding it per chunk would put
 * an AAC priming gap at every boundary.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chunk } from './chunks.ts';
import { audioEncoderArgs, DEFAULT_PRESET, ladderFilterGraph, videoEncoderArgs } from './hls-ladder.ts';
import type { Rung } from './ladder.ts';
import { progressArgs, progressLineParser, type TranscodeProgress } from './progress.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';

export const CHUNK_FILE = 'chunk.mp4';
export const AUDIO_FILE = 'audio.mp4';

export interface EncodeVideoChunkOptions {
  input: string;
  chunk: Chunk;
  outDir: string;
  rungs: Rung[];
  segmentSeconds: number;
  fps: number;
  preset?: string;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (progress: TranscodeProgress) => void;
}

/** The exact ffmpeg arguments of one chunk encode (writes `<file>.part`, renamed when done). */
export function videoChunkArgs(options: Omit<EncodeVideoChunkOptions, 'signal' | 'onProgress'>): string[] {
  const { input, chunk, outDir, rungs } = options;
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...progressArgs];
  if (chunk.startSec > 0) args.push('-ss', chunk.startSec.toFixed(6));
  // -t ends the chunk just before the next chunk's first frame (ends are floored to the µs like starts).
  args.push('-t', (chunk.endSec - chunk.startSec).toFixed(6));
  args.push('-i', input, '-filter_complex', ladderFilterGraph(rungs));
  rungs.forEach((rung, i) => {
    args.push('-map', `[v${i}]`, '-an', ...videoEncoderArgs(rung, { ...options, preset: options.preset ?? DEFAULT_PRESET }));
    args.push('-f', 'mp4', join(outDir, rung.name, `${CHUNK_FILE}.part`));
  });
  return args;
}

export async function encodeVideoChunk(options: EncodeVideoChunkOptions): Promise<void> {
  for (const rung of options.rungs) {
    await rm(join(options.outDir, rung.name), { recursive: true, force: true });
    await mkdir(join(options.outDir, rung.name), { recursive: true });
  }
  await runToolOrThrow('ffmpeg', videoChunkArgs(options), {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress
      ? { onStdoutLine: progressLineParser(options.chunk.endSec - options.chunk.startSec, options.onProgress) }
      : {}),
  });
  for (const rung of options.rungs) {
    const file = join(options.outDir, rung.name, CHUNK_FILE);
    await rename(`${file}.part`, file);
  }
}

export interface EncodeAudioOptions {
  input: string;
  outDir: string;
  audioKbps: number;
  /** Accepted for symmetry with the video side; audio is cut into segments when stitched. */
  segmentSeconds: number;
  signal?: AbortSignal;
}

export async function encodeAudio(options: EncodeAudioOptions): Promise<void> {
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, AUDIO_FILE);
  await runToolOrThrow('ffmpeg', [
    '-nostdin', '-hide_banner', '-v', 'error', '-y', '-i', options.input, '-map', '0:a:0', '-vn',
    ...audioEncoderArgs(options.audioKbps), '-f', 'mp4', `${file}.part`,
  ], options.signal ? { signal: options.signal } : {});
  await rename(`${file}.part`, file);
}
