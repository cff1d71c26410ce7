/**
 * Helpers for the `transcode` benchmark (which another module owns and registers): the
 * media module's raw speed, with no pipeline around it. A 60 s 1080p30 lavfi source
 * (testsrc2 + sine); the real-time factor and fps of each rung encoded on its own
 * (libx264 at a given preset and thread count, the ladder's exact encoder and muxer
 * arguments); and the whole one-process ladder run through transcodeHlsLadder against
 * the same argument list spawned by hand, to show the wrapper costs nothing.
 * Run directly for a quick look: `node bench/src/transcode-media.ts [--quick]`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hlsLadderArgs, planLadder, transcodeHlsLadder, type Rung } from '../../video/server/src/media/index.ts';

export interface BenchSource {
  file: string;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
}

/** Encodes the synthetic source once (ultrafast, high bitrate so decoding it is cheap and clean). */
export async function makeBenchSource(dir: string, spec: Partial<Omit<BenchSource, 'file'>> = {}): Promise<BenchSource> {
  const source = { durationSec: 60, width: 1920, height: 1080, fps: 30, ...spec };
  const file = join(dir, `source-${source.height}p${source.fps}-${source.durationSec}s.mp4`);
  await ffmpeg([
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${source.width}x${source.height}:rate=${source.fps}:duration=${source.durationSec}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${source.durationSec}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-g', String(source.fps * 2), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', file,
  ]);
  return { file, ...source };
}

export interface RungSpeed {
  rung: string;
  width: number;
  height: number;
  wallSec: number;
  /** Frames encoded per wall-clock second. */
  fps: number;
  /** Seconds of video per wall-clock second (> 1 is faster than real time). */
  realtimeFactor: number;
}

/** Each rung encoded alone, one after another, with x264 limited to `threads`. */
export async function measureRungSpeeds(
  source: BenchSource,
  options: { preset?: string; threads?: number; rungs?: Rung[] } = {},
): Promise<RungSpeed[]> {
  const rungs = options.rungs ?? planLadder(source);
  const speeds: RungSpeed[] = [];
  for (const rung of rungs) {
    const outDir = await mkdtemp(join(tmpdir(), 'bench-rung-'));
    try {
      const args = hlsLadderArgs({
        input: source.file, outDir, rungs: [rung], segmentSeconds: 4, durationSec: source.durationSec, hasAudio: true,
        preset: options.preset ?? 'veryfast', threads: options.threads ?? 1, fps: source.fps,
      });
      await ensureRungDir(outDir, rung);
      const wallSec = await timed(() => ffmpeg(args));
      speeds.push({
        rung: rung.name, width: rung.width, height: rung.height, wallSec,
        fps: (source.durationSec * source.fps) / wallSec, realtimeFactor: source.durationSec / wallSec,
      });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }
  return speeds;
}

export interface LadderTiming {
  /** transcodeHlsLadder end to end: fps probe, ffmpeg, master playlist. */
  moduleSec: number;
  /** The same hlsLadderArgs spawned by hand. */
  bareSec: number;
  /** moduleSec / bareSec. */
  overhead: number;
  /** Source seconds per wall second for the whole ladder in one process. */
  realtimeFactor: number;
}

/** Alternates module and bare runs `runs` times and keeps the medians. */
export async function measureLadder(source: BenchSource, options: { preset?: string; runs?: number } = {}): Promise<LadderTiming> {
  const rungs = planLadder(source);
  const preset = options.preset ?? 'veryfast';
  const moduleRuns: number[] = [];
  const bareRuns: number[] = [];
  for (let i = 0; i < (options.runs ?? 1); i++) {
    const moduleDir = await mkdtemp(join(tmpdir(), 'bench-ladder-'));
    const bareDir = await mkdtemp(join(tmpdir(), 'bench-bare-'));
    try {
      const common = { input: source.file, rungs, segmentSeconds: 4, durationSec: source.durationSec, hasAudio: true, preset };
      moduleRuns.push(await timed(() => transcodeHlsLadder({ ...common, outDir: moduleDir })));
      for (const rung of rungs) await ensureRungDir(bareDir, rung);
      bareRuns.push(await timed(() => ffmpeg(hlsLadderArgs({ ...common, outDir: bareDir, fps: source.fps }))));
    } finally {
      await rm(moduleDir, { recursive: true, force: true });
      await rm(bareDir, { recursive: true, force: true });
    }
  }
  const moduleSec = median(moduleRuns);
  const bareSec = median(bareRuns);
  return { moduleSec, bareSec, overhead: moduleSec / bareSec, realtimeFactor: source.durationSec / moduleSec };
}

function ffmpeg(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
}

async function ensureRungDir(outDir: string, rung: Rung): Promise<void> {
  await mkdir(join(outDir, rung.name), { recursive: true });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const dir = await mkdtemp(join(tmpdir(), 'bench-media-'));
  try {
    const source = await makeBenchSource(dir, quick ? { durationSec: 10 } : {});
    console.log(`source: ${source.width}x${source.height}@${source.fps} ${source.durationSec} s`);
    for (const s of await measureRungSpeeds(source)) {
      console.log(`  ${s.rung.padEnd(6)} veryfast, x264 1 thread: ${s.fps.toFixed(1)} fps, ${s.realtimeFactor.toFixed(2)}× real time`);
    }
    const ladder = await measureLadder(source);
    console.log(`  ladder (${planLadder(source).length} rungs, one process, veryfast): module ${ladder.moduleSec.toFixed(2)} s, bare ${ladder.bareSec.toFixed(2)} s, overhead ${ladder.overhead.toFixed(3)}×, ${ladder.realtimeFactor.toFixed(2)}× real time`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
