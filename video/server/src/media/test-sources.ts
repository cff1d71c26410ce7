/**
 * Test fixtures: tiny synthetic sources made by ffmpeg's lavfi `testsrc2` (video) and
 * `sine` (audio), encoded with ultrafast x264 so generating one costs well under a
 * second. Only the media tests import this file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToolOrThrow } from './run-ffmpeg.ts';

export interface SourceSpec {
  width: number;
  height: number;
  durationSec: number;
  fps?: number;
  audio?: boolean;
  /** Keyframe interval in frames (x264 -g); default 250. */
  gop?: number;
  /** File name; its extension picks the container. Default 'source.mp4'. */
  name?: string;
  /** x264 preset of the source; default 'ultrafast' (no B-frames). */
  preset?: string;
}

export async function generateSource(dir: string, spec: SourceSpec): Promise<string> {
  const fps = spec.fps ?? 25;
  const file = join(dir, spec.name ?? 'source.mp4');
  const args = ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${fps}:duration=${spec.durationSec}`];
  if (spec.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.durationSec}`);
  args.push('-c:v', 'libx264', '-preset', spec.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(spec.gop ?? 250));
  if (spec.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push(file);
  await runToolOrThrow('ffmpeg', args);
  return file;
}

export async function generateAudioOnly(dir: string, durationSec: number, name = 'audio-only.m4a'): Promise<string> {
  const file = join(dir, name);
  await runToolOrThrow('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=duration=${durationSec}`, '-c:a', 'aac', file]);
  return file;
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `media-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
