/**
 * Runs ffmpeg or ffprobe as a child process: no shell, arguments as an array, stdout
 * streamed line by line (for `-progress pipe:1`) or collected (for ffprobe JSON), the
 * tail of stderr kept for error messages, and an AbortSignal that SIGKILLs the child
 * (ffmpeg's own SIGTERM handling finishes the current muxing step first, which can take
 * seconds on a 4K frame; a cancelled job has no use for a clean trailer).
 */
import { spawn } from 'node:child_process';

export type MediaTool = 'ffmpeg' | 'ffprobe';

export interface RunOptions {
  signal?: AbortSignal;
  /** Called for every complete stdout line; stdout is then not collected. */
  onStdoutLine?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  /** The last STDERR_TAIL characters of stderr. */
  stderr: string;
}

const STDERR_TAIL = 16_384;

/** A tool exited non-zero; `stderr` holds its last words. */
export class ToolExitError extends Error {
  readonly exitCode: number;
  readonly stderr: string;
  constructor(tool: MediaTool, exitCode: number, stderr: string) {
    super(`${tool} exited with ${exitCode}: ${lastLines(stderr, 3)}`);
    this.name = 'ToolExitError';
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs the tool and resolves with its exit code whatever it is; rejects only on spawn failure or abort. */
export function runTool(tool: MediaTool, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, onStdoutLine } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!onStdoutLine) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        onStdoutLine(pending.slice(0, newline).trimEnd());
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      if (onStdoutLine && pending.length > 0) onStdoutLine(pending.trimEnd());
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}

/** Runs the tool and rejects with ToolExitError unless it exits 0. */
export async function runToolOrThrow(tool: MediaTool, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runTool(tool, args, options);
  if (result.exitCode !== 0) throw new ToolExitError(tool, result.exitCode, result.stderr);
  return result;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}
