/**
 * Instruments the chat benchmark's server for `chat-profile`, when CHAT_PROBE_DIR is set:
 * every better-sqlite3 statement is timed by its SQL text, and a CPU profile is taken with
 * the inspector. SIGUSR2 opens a measurement window and the next one closes it, writing
 * `window-<n>.json` (statements by total time) and `window-<n>.cpuprofile` into the
 * directory, so the figures cover the load alone, not the setup.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface StatementStat {
  sql: string;
  calls: number;
  totalMs: number;
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
        await session.post('Profiler.start');
        return;
      }
      open = false;
      const { profile } = await session.post('Profiler.stop');
      const statements: StatementStat[] = [...stats].map(([sql, s]) => ({ sql, calls: s.calls, totalMs: Number(s.ns) / 1e6 })).sort((a, b) => b.totalMs - a.totalMs);
      window++;
      writeFileSync(join(dir, `window-${window}.cpuprofile`), JSON.stringify(profile));
      writeFileSync(join(dir, `window-${window}.json`), JSON.stringify(statements));
    })();
  });
}
