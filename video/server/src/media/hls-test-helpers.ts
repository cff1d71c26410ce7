/**
 * Assertions on HLS output shared by the ladder and parallel-mode tests: every
 * segment parses with ffprobe (as a player sees it, init segment + media segment),
 * keyframe times per rendition, and the packet timeline of a whole rendition.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listVideoPackets, type VideoPacket } from './ffprobe.ts';
import { parseMediaPlaylist } from './hls-playlist.ts';
import { runToolOrThrow } from './run-ffmpeg.ts';

/** ffprobes init+segment for every segment of the playlist; returns the codec types each holds. */
export async function assertEverySegmentParses(playlistPath: string, scratchDir: string): Promise<void> {
  const dir = dirname(playlistPath);
  const playlist = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
  assert.ok(playlist.map, `${playlistPath} has no EXT-X-MAP`);
  const init = await readFile(join(dir, playlist.map));
  for (const segment of playlist.segments) {
    const joined = join(scratchDir, `probe-${segment.uri.replaceAll('/', '_')}.mp4`);
    await writeFile(joined, Buffer.concat([init, await readFile(join(dir, segment.uri))]));
    const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', joined]);
    assert.match(stdout, /video/, `${segment.uri} has no video`);
  }
}

export async function videoPackets(playlistPath: string): Promise<VideoPacket[]> {
  return listVideoPackets(playlistPath);
}

export function keyframeTimes(packets: readonly VideoPacket[]): number[] {
  return packets.filter((p) => p.keyframe).map((p) => Math.round(p.ptsSec * 1000) / 1000);
}

export async function streamDuration(playlistPath: string): Promise<number> {
  const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playlistPath]);
  return Number(stdout.trim());
}

export async function codecTypes(playlistPath: string): Promise<string[]> {
  const { stdout } = await runToolOrThrow('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', playlistPath]);
  return [...new Set(stdout.split('\n').map((l) => l.trim()).filter(Boolean))].sort();
}
