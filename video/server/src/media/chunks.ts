/**
 * Parallel mode, step 1: cut points. A chunk must start on a source keyframe so its
 * encoder can begin decoding there without the previous chunk's frames. Keyframes are
 * read from ffprobe's packet flags (demux only — no decoding). Boundaries are the exact
 * keyframe presentation times floored to the microsecond (ffmpeg's -ss resolution), so
 * the frame on a boundary lands in exactly one chunk: at or after chunk i+1's start, and
 * not before chunk i's end. A last chunk shorter than half the target is merged into
 * the one before it.
 */
import { probe, primaryVideoStream } from './ffprobe.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';

export interface Chunk {
  index: number;
  startSec: number;
  /** Exclusive; the last chunk's end is the source duration. */
  endSec: number;
}

export async function planChunks(input: string, targetChunkSec: number, signal?: AbortSignal): Promise<Chunk[]> {
  if (!(targetChunkSec > 0)) throw new RangeError(`targetChunkSec must be positive, got ${targetChunkSec}`);
  const probed = await probe(input, signal);
  const video = primaryVideoStream(probed.streams);
  if (!video) throw new Error(`${input} has no video stream`);
  const durationSec = Number(probed.format.duration ?? video.duration);
  if (!(durationSec > 0)) throw new Error(`${input} has no duration`);
  return chunkBoundaries(await keyframeTimes(input, video.index, signal), durationSec, targetChunkSec);
}

/** Greedy: the next boundary is the first keyframe at least targetChunkSec after the last one. */
export function chunkBoundaries(keyframes: readonly number[], durationSec: number, targetChunkSec: number): Chunk[] {
  const starts = [0];
  for (const time of keyframes) {
    const last = starts.at(-1) ?? 0;
    if (time >= last + targetChunkSec && durationSec - time >= targetChunkSec / 2) starts.push(time);
  }
  return starts.map((startSec, index) => ({ index, startSec, endSec: starts[index + 1] ?? durationSec }));
}

/** Keyframe presentation times of one stream, floored to whole microseconds, ascending. */
async function keyframeTimes(input: string, streamIndex: number, signal?: AbortSignal): Promise<number[]> {
  const { stdout: timeBase } = await runToolOrThrow('ffprobe', [
    '-v', 'error', '-select_streams', String(streamIndex), '-show_entries', 'stream=time_base', '-of', 'csv=p=0', input,
  ], signal ? { signal } : {});
  const [num, den] = timeBase.trim().split('/').map((n) => BigInt(n));
  if (!num || !den) throw new Error(`unreadable time base '${timeBase.trim()}'`);
  const times: number[] = [];
  await runToolOrThrow('ffprobe', [
    '-v', 'error', '-select_streams', String(streamIndex), '-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', input,
  ], {
    ...(signal ? { signal } : {}),
    onStdoutLine(line) {
      const [pts, flags] = line.split(',');
      if (!flags?.includes('K') || !pts || !/^-?\d+$/.test(pts)) return;
      // Exact rational pts·num/den in µs, floored (BigInt division truncates; pts ≥ 0 here).
      const micros = (BigInt(pts) * num * 1_000_000n) / den;
      if (micros >= 0n) times.push(Number(micros) / 1e6);
    },
  });
  return times.sort((a, b) => a - b);
}
