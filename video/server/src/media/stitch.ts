/**
 * Parallel mode, step 3: stitching. Per rung, the chunks' MP4s are laid end to end by
 * ffmpeg's concat demuxer (which offsets each file's timestamps by the durations before
 * it) and remuxed, without re-encoding, together with the once-encoded audio into the
 * same fMP4 HLS rendition the single-process ladder writes. The result is one continuous
 * timeline per rung — one init segment, monotonic decode timestamps, no gap at chunk
 * boundaries — so players need no EXT-X-DISCONTINUITY and the master playlist is the
 * same as in single-process mode. Segments are cut at the encoded keyframes: every
 * segmentSeconds inside a chunk, plus a shorter segment at each chunk's end.
 *
 * The concat demuxer takes the decoder configuration (SPS/PPS) from the first file, so
 * every chunk of a rung must carry the same one; that holds when all chunks are encoded
 * with the same arguments, and is checked rather than assumed.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AUDIO_FILE, CHUNK_FILE } from './chunk-encode.ts';
import { hlsMuxerArgs, prepareRungDirs } from './hls-ladder.ts';
import type { Rung } from './ladder.ts';
import { finishLadder, type HlsLadderResult } from './ladder-output.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';

export interface StitchHlsOptions {
  /** Each chunk's outDir from encodeVideoChunk, in chunk order. */
  chunkDirs: string[];
  /** encodeAudio's outDir; absent for a source without audio. */
  audioDir?: string;
  outDir: string;
  rungs: Rung[];
  segmentSeconds: number;
  signal?: AbortSignal;
}

export async function stitchHls(options: StitchHlsOptions): Promise<HlsLadderResult> {
  const { chunkDirs, audioDir, outDir, rungs, segmentSeconds, signal } = options;
  if (chunkDirs.length === 0) throw new RangeError('nothing to stitch: no chunks');
  await prepareRungDirs(outDir, rungs);
  await Promise.all(rungs.map(async (rung) => {
    // Absolute: the concat demuxer resolves relative entries against the list file's directory.
    const files = chunkDirs.map((dir) => resolve(dir, rung.name, CHUNK_FILE));
    await assertSameDecoderConfig(files, signal);
    const list = join(outDir, `.concat-${rung.name}.txt`);
    await writeFile(list, files.map((file) => `file '${file.replaceAll("'", "'\\''")}'\n`).join(''));
    try {
      await runToolOrThrow('ffmpeg', [
        '-nostdin', '-hide_banner', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list,
        ...(audioDir ? ['-i', join(audioDir, AUDIO_FILE)] : []),
        '-map', '0:v:0', ...(audioDir ? ['-map', '1:a:0'] : []), '-c', 'copy',
        ...hlsMuxerArgs(join(outDir, rung.name), segmentSeconds),
      ], signal ? { signal } : {});
    } finally {
      await rm(list, { force: true });
    }
  }));
  return finishLadder(outDir, rungs);
}

async function assertSameDecoderConfig(files: readonly string[], signal?: AbortSignal): Promise<void> {
  const hashes = await Promise.all(files.map(async (file) => {
    const { stdout } = await runToolOrThrow('ffprobe', [
      '-v', 'error', '-show_data_hash', 'MD5', '-select_streams', 'v:0', '-show_entries', 'stream=extradata_hash', '-of', 'csv=p=0', file,
    ], signal ? { signal } : {});
    return stdout.trim();
  }));
  const differing = hashes.findIndex((hash) => hash !== hashes[0]);
  if (differing > 0) throw new Error(`chunk ${files[differing]} was encoded with a different decoder configuration than ${files[0]}`);
}
