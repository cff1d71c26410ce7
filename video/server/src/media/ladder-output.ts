/**
 * Turns per-rung HLS output directories into the HlsLadderResult and the master
 * playlist: segment counts and byte sizes from disk, BANDWIDTH as the peak segment
 * bitrate and AVERAGE-BANDWIDTH as the whole rendition's (RFC 8216 §4.3.4.2), CODECS from
 * the init segment, FRAME-RATE from ffprobe. The master is written last and atomically
 * (temp file + rename), so its presence means the ladder is complete.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRate } from './ffprobe.ts';
import { parseMediaPlaylist, renderMasterPlaylist, type VariantStream } from './hls-playlist.ts';
import type { Rung } from './ladder.ts';
import { readCodecsString } from './mp4-boxes.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';
import type { Storyboard } from './storyboard.ts';

export const MASTER_PLAYLIST = 'master.m3u8';
export const RUNG_PLAYLIST = 'playlist.m3u8';
export const INIT_SEGMENT = 'init.mp4';

export interface LadderRungOutput extends Rung {
  /** Rung playlist relative to the output directory, e.g. '720p/playlist.m3u8'. */
  playlist: string;
  /** Init segment plus media segments. */
  bytes: number;
  segments: number;
  /** RFC 6381, e.g. 'avc1.64001f,mp4a.40.2'. */
  codecs: string;
  /** Peak segment bitrate in bits/s (the master's BANDWIDTH). */
  bandwidth: number;
  /** Whole-rendition bitrate in bits/s (the master's AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  /** Sum of the segments' EXTINF durations. */
  durationSec: number;
}

export interface HlsLadderResult {
  /** Relative to the output directory: 'master.m3u8'. */
  masterPlaylist: string;
  rungs: LadderRungOutput[];
  /** The ffmpeg arguments transcodeHlsLadder ran (fps probed and filled in), for a benchmark to rerun by hand. */
  ffmpegArgs?: string[];
  /** The storyboard rendered by the same ffmpeg, when one was asked for. */
  storyboard?: Storyboard;
}

/** `fps` is the master's FRAME-RATE; when unknown it is probed from each rendition. */
export async function finishLadder(outDir: string, rungs: readonly Rung[], fps?: number): Promise<HlsLadderResult> {
  const outputs: LadderRungOutput[] = [];
  const variants: VariantStream[] = [];
  for (const rung of rungs) {
    const playlistPath = join(outDir, rung.name, RUNG_PLAYLIST);
    const playlist = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
    if (!playlist.endList || playlist.segments.length === 0) throw new Error(`${playlistPath} is not a complete VOD playlist`);
    const initBytes = playlist.map ? (await stat(join(outDir, rung.name, playlist.map))).size : 0;
    let segmentBytes = 0;
    let durationSec = 0;
    let peak = 0;
    for (const segment of playlist.segments) {
      const size = (await stat(join(outDir, rung.name, segment.uri))).size;
      segmentBytes += size;
      durationSec += segment.durationSec;
      // A very short final segment would overstate the peak; judge it over at least one second.
      peak = Math.max(peak, (size * 8) / Math.max(segment.durationSec, 1));
    }
    const codecs = await readCodecsString(join(outDir, rung.name, playlist.map ?? INIT_SEGMENT));
    const frameRate = fps ?? (await probeFrameRate(playlistPath));
    const averageBandwidth = (segmentBytes * 8) / durationSec;
    const output: LadderRungOutput = {
      ...rung,
      playlist: `${rung.name}/${RUNG_PLAYLIST}`,
      bytes: initBytes + segmentBytes,
      segments: playlist.segments.length,
      codecs,
      bandwidth: Math.ceil(peak),
      averageBandwidth: Math.ceil(averageBandwidth),
      durationSec,
    };
    outputs.push(output);
    variants.push({
      uri: output.playlist,
      bandwidth: output.bandwidth,
      averageBandwidth: output.averageBandwidth,
      width: rung.width,
      height: rung.height,
      codecs,
      ...(frameRate ? { frameRate } : {}),
    });
  }
  const master = join(outDir, MASTER_PLAYLIST);
  await writeFile(`${master}.tmp`, renderMasterPlaylist(variants));
  await rename(`${master}.tmp`, master);
  return { masterPlaylist: MASTER_PLAYLIST, rungs: outputs };
}

async function probeFrameRate(playlistPath: string): Promise<number | undefined> {
  const { stdout } = await runToolOrThrow('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate,r_frame_rate', '-of', 'json', playlistPath,
  ]);
  const stream = (JSON.parse(stdout) as { streams?: Array<{ avg_frame_rate?: string; r_frame_rate?: string }> }).streams?.[0];
  return parseRate(stream?.avg_frame_rate) ?? parseRate(stream?.r_frame_rate);
}
