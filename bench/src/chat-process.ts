/**
 * Child processes of the `chat` benchmark: a server script pinned to core 1 when the
 * machine allows (the load generator stays on core 0, as in http-load.ts), with its pid
 * so its resident memory can be read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pinned } from './http-load.ts';

export interface ChildServer {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `script` (optionally pinned to `core`) and waits for the first stdout line. */
export async function startChild(script: string, options: { core?: number; args?: string[]; env?: Record<string, string> } = {}): Promise<ChildServer & { firstLine: string }> {
  const node = [process.execPath, '--max-old-space-size=4096', script, ...(options.args ?? [])];
  const [command, ...args] = pinned && options.core !== undefined ? ['taskset', '-c', String(options.core), ...node] : node;
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  return {
    firstLine,
    port: Number(firstLine),
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process, bytes (Linux). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** The per-process open-file limit, which caps sockets per process. */
export function openFileLimit(): number {
  const match = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match ? Number(match[1]) : Infinity;
}
