import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const MiB = 2 ** 20;

/** Runs a process that imports the runtime flags first, as the entry points do; returns what it saw of itself. */
function started(nodeFlags: string[], env: NodeJS.ProcessEnv = process.env): { parentPid: number; execArgv: string[]; youngGenerationMiB: number } {
  const script = `
    await import('@twin/platform/runtime-flags');
    const { getHeapSpaceStatistics } = await import('node:v8');
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ parentPid: process.ppid, execArgv: process.execArgv, youngGenerationMiB: young.space_size / ${MiB} }));`;
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8', env });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('a process started without the heap flags replaces itself with one that has them, keeping its pid', () => {
  const seen = started([]);
  assert.deepEqual(seen.execArgv.filter((f) => f.includes('semi-space')), ['--min-semi-space-size=32', '--max-semi-space-size=64']);
  // A 32 MiB semi-space from the start (V8's own default starts at 1 MiB).
  assert.ok(seen.youngGenerationMiB >= 32, `young generation ${seen.youngGenerationMiB} MiB`);
  assert.equal(seen.parentPid, process.pid, 'replaced in place (execve), not a child of a child');
});

test('a heap flag given on the command line is kept', () => {
  const seen = started(['--max-semi-space-size=48']);
  assert.deepEqual(seen.execArgv.filter((f) => f.includes('semi-space')), ['--min-semi-space-size=32', '--max-semi-space-size=48']);
});

test('a heap flag given in NODE_OPTIONS is kept', () => {
  const seen = started([], { ...process.env, NODE_OPTIONS: '--max-semi-space-size=48' });
  assert.deepEqual(seen.execArgv.filter((f) => f.includes('semi-space')), ['--min-semi-space-size=32']);
});
