/**
 * Instruments the chat benchmark's server for `chat-profile`, when CHAT_PROBE_DIR is set:
 * every better-sqlite3 statement is timed by its SQL text, and a CPU profile is taken with
 * the inspector; GC pauses and event-loop delay are recorded too, since those set the
 * latency's tail. SIGUSR2 opens a measurement window and the next one closes it, writing
 * `window-<n>.json` (statements by total time, pauses) and `window-<n>.cpuprofile` into
 * the directory, so the figures cover the load alone, not the setup.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import Database from 'better-sqlite3';

const LOOP_DELAY_RESOLUTION_MS = 10;

export interface StatementStat {
  sql: string;
  calls: number;
  totalMs: number;
}

/** Stop-the-world GC pauses of one kind in a window. */
export interface GcStat {
  kind: 'scavenge' | 'mark-compact' | 'other';
  count: number;
  totalMs: number;
  maxMs: number;
}

/** What the server wrote for one window. */
export interface WindowStats {
  statements: StatementStat[];
  gc: GcStat[];
  /** Event-loop delay percentiles (ms): how late a 10 ms timer fired. */
  loopDelay: { p50: number; p99: number; max: number };
}

function gcKind(entry: PerformanceEntry): GcStat['kind'] {
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return 'scavenge';
  if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return 'mark-compact';
  return 'other';
}

export async function instrumentChatServer(dir: string): Promise<void> {
  const stats = new Map<string, { calls: number; ns: bigint }>();
  const count = (sql: string, started: bigint) => {
    const stat = stats.get(sql) ?? { calls: 0, ns: 0n };
    stat.calls++;
    stat.ns += process.hrtime.bigint() - started;
    stats.set(sql, stat);
  };
  // Statement methods live on one prototype; wrap them once for every database.
  const scratch = new Database(':memory:');
  const statement = Object.getPrototypeOf(scratch.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        count(this.source, started);
      }
    };
  }
  scratch.close();

  const gc = new Map<GcStat['kind'], GcStat>();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = gcKind(entry);
      const stat = gc.get(kind) ?? { kind, count: 0, totalMs: 0, maxMs: 0 };
      stat.count++;
      stat.totalMs += entry.duration;
      stat.maxMs = Math.max(stat.maxMs, entry.duration);
      gc.set(kind, stat);
    }
  }).observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  let window = 0;
  let open = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!open) {
        open = true;
        stats.clear();
        gc.clear();
        loopDelay.reset();
        await session.post('Profiler.start');
        return;
      }
      open = false;
      const { profile } = await session.post('Profiler.stop');
      const statements: StatementStat[] = [...stats].map(([sql, s]) => ({ sql, calls: s.calls, totalMs: Number(s.ns) / 1e6 })).sort((a, b) => b.totalMs - a.totalMs);
      window++;
      writeFileSync(join(dir, `window-${window}.cpuprofile`), JSON.stringify(profile));
      // The histogram holds the intervals between the timer's runs: the delay is what exceeds the resolution.
      const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      const windowStats: WindowStats = { statements, gc: [...gc.values()], loopDelay: { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) } };
      writeFileSync(join(dir, `window-${window}.json`), JSON.stringify(windowStats));
    })();
  });
}
