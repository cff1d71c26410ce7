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
 */
import { setFlagsFromString } from 'node:v8';

// V8 reads this when it next computes its limits, so setting it after startup takes effect.
setFlagsFromString('--external-memory-accounted-in-global-limit');
