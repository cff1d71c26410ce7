/**
 * The single-process CMAF HLS transcode: one ffmpeg decodes the source once and a
 * `split` filter feeds one scaler + libx264 encoder per rung, each muxed with AAC audio
 * into its own fMP4 HLS rendition (init.mp4 + .m4s segments, VOD playlist). Keyframes
 * are aligned across rungs because every rung sees the same frames and forces a
 * keyframe at the same instants: `-force_key_frames` every segmentSeconds of output
 * time, a fixed GOP of segmentSeconds × fps with keyint_min equal to it, and scene-cut
 * detection off — so each segment starts with an IDR on every rung and a player can
 * switch at any segment boundary.
 *
 * Given a storyboard grid, the split gets one more branch, fps → scale → tile, writing the
 * storyboard sprite: its frames are already decoded for the rungs, so the sprite costs a
 * thumbnail scale per tile instead of a second full decode of the source. A poster is one
 * more branch too, selecting a single frame.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probe, parseRate, primaryVideoStream } from './ffprobe.ts';
import type { Rung } from './ladder.ts';
import { finishLadder, INIT_SEGMENT, RUNG_PLAYLIST, type HlsLadderResult } from './ladder-output.ts';
import { progressArgs, progressLineParser, type TranscodeProgress } from './progress.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';
import { finishPoster, posterFilter, posterOutputArgs, posterTempFile } from './poster.ts';
import { finishStoryboard, spriteOutputArgs, spriteTempFile, storyboardFilter, type Storyboard, type StoryboardGrid } from './storyboard.ts';

export interface HlsLadderOptions {
  input: string;
  outDir: string;
  rungs: Rung[];
  segmentSeconds: number;
  durationSec: number;
  hasAudio: boolean;
  /** x264 preset, default 'veryfast'. */
  preset?: string;
  /** x264 threads per rung (ffmpeg's -threads on each encoder); default lets x264 choose. */
  threads?: number;
  /** Source frame rate; sets the GOP length. transcodeHlsLadder probes it when absent. */
  fps?: number;
  /** Also render the storyboard sprite (and VTT) of this grid into `outDir`, from the same decode. */
  storyboard?: { outDir: string; grid: StoryboardGrid };
  /** Also write the poster, the first frame at or after `atSec`, to `file`, from the same decode. */
  poster?: { file: string; atSec: number };
}

export interface TranscodeHlsLadderOptions extends HlsLadderOptions {
  onProgress?: (progress: TranscodeProgress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_PRESET = 'veryfast';

/** The exact ffmpeg argument list transcodeHlsLadder runs. */
export function hlsLadderArgs(options: HlsLadderOptions): string[] {
  const { input, outDir, rungs, segmentSeconds, hasAudio } = options;
  if (rungs.length === 0) throw new RangeError('a ladder needs at least one rung');
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...progressArgs, '-i', input];
  args.push('-filter_complex', ladderFilterGraph(rungs, options));
  rungs.forEach((rung, i) => {
    args.push('-map', `[v${i}]`);
    if (hasAudio) args.push('-map', '0:a:0');
    args.push(...videoEncoderArgs(rung, { ...options, preset: options.preset ?? DEFAULT_PRESET }));
    if (hasAudio) args.push(...audioEncoderArgs(rung.audioKbps));
    else args.push('-an');
    args.push(...hlsMuxerArgs(join(outDir, rung.name), segmentSeconds));
  });
  if (options.storyboard) args.push('-map', `[${STORYBOARD_LABEL}]`, ...spriteOutputArgs(spriteTempFile(options.storyboard.outDir)));
  if (options.poster) args.push('-map', `[${POSTER_LABEL}]`, ...posterOutputArgs(options.poster.file));
  return args;
}

const STORYBOARD_LABEL = 'sb';
const POSTER_LABEL = 'poster';

/**
 * `[0:V:0]split=N[s0]…; [s0]scale=W:H,…[v0]…`: one decode, one scaler per rung, and with a
 * storyboard or a poster one more branch to `[sb]` or `[poster]`. `V` (not `v`) skips
 * attached pictures, so cover art stored as the first video stream is never transcoded.
 */
export function ladderFilterGraph(rungs: readonly Rung[], stills: Pick<HlsLadderOptions, 'storyboard' | 'poster'> = {}): string {
  const chains = rungs.map((rung, i) => ({ filter: `scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p`, out: `v${i}` }));
  if (stills.storyboard) chains.push({ filter: storyboardFilter(stills.storyboard.grid), out: STORYBOARD_LABEL });
  if (stills.poster) chains.push({ filter: posterFilter(stills.poster.atSec), out: POSTER_LABEL });
  if (chains.length === 1) return `[0:V:0]${chains[0]!.filter}[${chains[0]!.out}]`;
  const split = `[0:V:0]split=${chains.length}${chains.map((_, i) => `[s${i}]`).join('')}`;
  return [split, ...chains.map((chain, i) => `[s${i}]${chain.filter}[${chain.out}]`)].join(';');
}

/** libx264 with per-rung rate control and the keyframe rules that align rungs (see module header). */
export function videoEncoderArgs(rung: Rung, options: { segmentSeconds: number; fps?: number; preset?: string; threads?: number }): string[] {
  const args = [
    '-c:v', 'libx264', '-preset', options.preset ?? DEFAULT_PRESET, '-profile:v', 'high',
    '-b:v', `${rung.videoKbps}k`, '-maxrate', `${rung.maxrateKbps}k`, '-bufsize', `${rung.bufsizeKbps}k`,
    '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${options.segmentSeconds})`,
    // Keep the source's frame timing: HLS would otherwise get ffmpeg's CFR default, which
    // duplicates frames of a variable-rate phone video up to its (often bogus) r_frame_rate.
    '-fps_mode', 'vfr',
  ];
  if (options.fps && options.fps > 0) {
    const gop = String(Math.max(1, Math.round(options.segmentSeconds * options.fps)));
    args.push('-g', gop, '-keyint_min', gop);
  }
  if (options.threads !== undefined) args.push('-threads', String(options.threads));
  return args;
}

export function audioEncoderArgs(audioKbps: number): string[] {
  // Stereo 48 kHz everywhere: the same audio on every rung keeps switches inaudible.
  return ['-c:a', 'aac', '-b:a', `${audioKbps}k`, '-ac', '2', '-ar', '48000'];
}

/** fMP4 VOD HLS into one rung directory: init.mp4, seg-00000.m4s…, playlist.m3u8. */
export function hlsMuxerArgs(rungDir: string, segmentSeconds: number): string[] {
  return [
    // Several outputs fed from one decode wait on each other; a source whose audio and video
    // are far apart in the file would overflow ffmpeg's default muxing queue of 128 packets.
    '-max_muxing_queue_size', '4096',
    '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', INIT_SEGMENT,
    '-hls_flags', 'independent_segments', '-hls_segment_filename', join(rungDir, 'seg-%05d.m4s'),
    join(rungDir, RUNG_PLAYLIST),
  ];
}

export async function transcodeHlsLadder(options: TranscodeHlsLadderOptions): Promise<HlsLadderResult> {
  const fps = options.fps ?? (await probeFps(options.input, options.signal));
  const args = hlsLadderArgs({ ...withoutCallbacks(options), ...(fps ? { fps } : {}) });
  await prepareRungDirs(options.outDir, options.rungs);
  if (options.storyboard) await mkdir(options.storyboard.outDir, { recursive: true });
  if (options.poster) await rm(posterTempFile(options.poster.file), { force: true });
  await runToolOrThrow('ffmpeg', args, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onStdoutLine: progressLineParser(options.durationSec, options.onProgress) } : {}),
  });
  const ladder = await finishLadder(options.outDir, options.rungs, fps);
  const storyboard: Storyboard | undefined = options.storyboard && (await finishStoryboard(options.storyboard.outDir, options.storyboard.grid, options.durationSec));
  if (options.poster) await finishPoster(options.input, options.poster.file, options.signal);
  return { ...ladder, ffmpegArgs: args, ...(storyboard ? { storyboard } : {}) };
}

/** Empties each rung directory first: a redelivered job overwrites a crashed attempt's leftovers. */
export async function prepareRungDirs(outDir: string, rungs: readonly Rung[]): Promise<void> {
  await rm(join(outDir, 'master.m3u8'), { force: true });
  for (const rung of rungs) {
    await rm(join(outDir, rung.name), { recursive: true, force: true });
    await mkdir(join(outDir, rung.name), { recursive: true });
  }
}

export async function probeFps(input: string, signal?: AbortSignal): Promise<number | undefined> {
  const video = primaryVideoStream((await probe(input, signal)).streams);
  return parseRate(video?.avg_frame_rate) ?? parseRate(video?.r_frame_rate);
}

function withoutCallbacks(options: TranscodeHlsLadderOptions): HlsLadderOptions {
  const { onProgress: _onProgress, signal: _signal, ...rest } = options;
  return rest;
}
