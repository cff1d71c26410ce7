/**
 * Parser for ffmpeg's `-progress pipe:1` output: blocks of `key=value` lines, each
 * closed by `progress=continue` (or `progress=end` for the last). One TranscodeProgress
 * is emitted per block. `out_time_us` is the output position; ffmpeg 5.1 also prints
 * `out_time_ms` with the same microsecond value (a long-standing misnomer), so only
 * `out_time_us` is trusted.
 */
export interface TranscodeProgress {
  /** Seconds of output written so far. */
  outTimeSec: number;
  /** outTimeSec / duration, clamped to 0..1; exactly 1 on ffmpeg's final block. */
  fraction: number;
  /** Encoding speed as a multiple of real time (ffmpeg's `speed=2.5x`). */
  speed?: number;
  /** Frames per second encoded. */
  fps?: number;
}

export function progressLineParser(durationSec: number, onProgress: (progress: TranscodeProgress) => void): (line: string) => void {
  let block = new Map<string, string>();
  return (line) => {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      block.set(key, value);
      return;
    }
    const outTimeUs = Number(block.get('out_time_us'));
    const speed = Number.parseFloat(block.get('speed') ?? '');
    const fps = Number.parseFloat(block.get('fps') ?? '');
    block = new Map();
    if (!Number.isFinite(outTimeUs) || outTimeUs < 0) {
      if (value !== 'end') return; // ffmpeg prints N/A until the first frame is out
    }
    const outTimeSec = Number.isFinite(outTimeUs) && outTimeUs > 0 ? outTimeUs / 1e6 : 0;
    const fraction = value === 'end' ? 1 : durationSec > 0 ? Math.min(1, Math.max(0, outTimeSec / durationSec)) : 0;
    onProgress({
      outTimeSec,
      fraction,
      ...(Number.isFinite(speed) ? { speed } : {}),
      ...(Number.isFinite(fps) ? { fps } : {}),
    });
  };
}

/** The ffmpeg arguments that make it write progress blocks to stdout and nothing else there. */
export const progressArgs: readonly string[] = ['-progress', 'pipe:1', '-nostats'];
