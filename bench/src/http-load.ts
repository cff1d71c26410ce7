/**
 * Starts a server script in its own process and drives it with autocannon. With two or
 * more cores and `taskset` available, the server is pinned to core 1 and the load
 * generator to core 0, so neither steals the other's core (GC threads included) and runs
 * repeat within a few percent instead of ±15 %.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
}

function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether server and load generator run on separate pinned cores (reported with the results). */
export const pinned = canPin();

export async function startServer(script: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const [command, args] = pinned ? ['taskset', ['-c', '1', process.execPath, script]] : [process.execPath, [script]];
  const child: ChildProcess = spawn(command as string, args as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  return {
    port: Number(line),
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

export async function load(url: string, durationSeconds: number, connections = 50): Promise<LoadResult> {
  const result = await autocannon({ url, connections, pipelining: 1, duration: durationSeconds });
  return {
    requestsPerSecond: result.requests.mean,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}
