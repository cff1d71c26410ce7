/**
 * @module @twin/platform/runtime-flags
 * The V8 settings every process that serves the product runs with. Import it first, for
 * its effect, from each entry point (app/src/main.ts, the benchmark servers).
 *
 * External memory (the Buffers of socket reads, file reads, request bodies) counts toward
 * the heap's global limit instead of its own trigger. That trigger starts a full mark-compact
 * of the whole heap every time about 64 MiB of Buffers has been allocated since the last
 * one, however little of the heap is garbage, so a server streaming bytes spent more time
 * marking a heap that had not changed than moving the bytes. Measured here: a 1 GiB tus
 * upload ran 43 full collections (GC threads busy most of a core) and 6 with the flag, at
 * +40-60% MiB/s; 2 MB origin segments went from ~280 to ~540 req/s; peak RSS moved little.
 *
 * The young generation is fixed at 32-64 MiB per semi-space instead of growing from 1 MiB
 * and shrinking again: a chat server at 12k messages/s then promoted so little that no
 * full mark-compact ran in a 10 s window (3-4 of 10-18 ms each before), and send → deliver
 * p99 went from 30-89 ms (8 runs) to 16-21 ms (5 runs, alternated); 16-32 MiB and 64-128 MiB
 * both measured worse. V8 sizes the young generation when the process starts, so a process
 * started without these flags replaces itself with one started with them (same pid,
 * `process.execve`) before anything else runs; a flag given on the command line or in
 * NODE_OPTIONS is kept.
 */
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

// V8 reads this when it next computes its limits, so setting it after startup takes effect.
setFlagsFromString('--external-memory-accounted-in-global-limit');

/** Heap sizes V8 reads only at startup (MiB). */
const STARTUP_FLAGS = ['--min-semi-space-size=32', '--max-semi-space-size=64'];

// Flags from NODE_OPTIONS are not in execArgv, and one added on the command line would override them.
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])];
const missing = STARTUP_FLAGS.filter((flag) => !given.some((g) => g.split('=')[0] === flag.split('=')[0]));
// process.execve is POSIX-only: elsewhere the process keeps V8's default sizing.
if (missing.length > 0 && isMainThread && process.platform !== 'win32' && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
