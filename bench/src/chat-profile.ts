/**
 * `npm run bench -- chat-profile [--rates 300,6000,max] [--seconds 5] [--pairs 32]`: where
 * the chat server's time goes under the `chat` benchmark's load, one load level at a time.
 * Per level it prints messages/s and send → deliver latency, the server's CPU (all its
 * threads, from /proc) per delivered message, the frames each message cost on the wire
 * (from /metrics), event-loop delay and GC pauses (the latency's tail), the write turns
 * (commits) with the statements each cost, the SQLite statements by total time, and the
 * functions with the most self time in a CPU profile of that window, whose file it names
 * (open it in Chrome DevTools). A diagnostic, not a benchmark: the instrumentation slows
 * the server a little, and nothing is written to bench/results.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paced, saturate, type LoadPair } from './chat-load.ts';
import { startChild } from './chat-process.ts';
import type { WindowStats } from './chat-server-probe.ts';
import { createPairs } from './chat-setup.ts';
import { wsUrl } from './chat-wire.ts';
import { option } from './options.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** CPU ticks (user + system, all threads) a process has used. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function framesSent(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const frames = new Map<string, number>();
  for (const m of text.matchAll(/^chat_ws_frames_(in|out)_total\{type="([^"]+)"\} (\d+)/gm)) frames.set(`${m[1]} ${m[2]}`, Number(m[3]));
  return frames;
}

/** The functions with the most self time, as shares of the window. */
function topSelfTime(profile: CpuProfile, count: number): string[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)!.callFrame;
    const name = `${frame.functionName || (frame.url ? '(anonymous)' : '(native code: SQLite, mostly)')} ${frame.url.split('/').slice(-2).join('/')}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`);
}

async function readWindow(dir: string, n: number): Promise<WindowStats & { profile: CpuProfile; profilePath: string }> {
  const profilePath = join(dir, `window-${n}.cpuprofile`);
  for (let i = 0; i < 100; i++) {
    try {
      const stats = JSON.parse(readFileSync(join(dir, `window-${n}.json`), 'utf8')) as WindowStats;
      return { ...stats, profile: JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile, profilePath };
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`the server wrote no window ${n} into ${dir}`);
}

export async function run({ args }: { quick: boolean; args: readonly string[] }): Promise<void> {
  const rates = option(args, 'rates', '300,6000,max').split(',');
  const seconds = Number(option(args, 'seconds', '5'));
  const pairCount = Number(option(args, 'pairs', '32'));
  const dir = mkdtempSync(join(tmpdir(), 'chat-profile-'));
  const server = await startChild(join(import.meta.dirname, 'chat-server.ts'), { core: 1, env: { CHAT_PROBE_DIR: dir } });
  try {
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const pairs: LoadPair[] = (await createPairs(baseUrl, pairCount)).map((p) => ({ senderToken: p.sender.token, receiverToken: p.receiver.token, conversationId: p.conversationId }));
    console.log(`chat-profile: ${pairCount} sender/receiver pairs, ${seconds} s per level; server pid ${server.pid}`);
    for (const [i, rate] of rates.entries()) {
      const framesBefore = await framesSent(baseUrl);
      server.child.kill('SIGUSR2');
      await sleep(100);
      const ticksBefore = cpuTicks(server.pid);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      let headline: string;
      let delivered: number;
      if (rate === 'max') {
        const result = await saturate(wsUrl(baseUrl), pairs, seconds);
        delivered = result.deliveredPerSecond;
        headline = `max: ${Math.round(delivered).toLocaleString('en-US')} msgs/s delivered`;
      } else {
        const result = await paced(wsUrl(baseUrl), pairs, seconds, Number(rate));
        delivered = result.deliveredPerSecond;
        headline = `${rate} msgs/s: ${Math.round(delivered).toLocaleString('en-US')} delivered, send → deliver p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms`;
      }
      const wallMs = performance.now() - started;
      const serverShare = (cpuTicks(server.pid) - ticksBefore) / (wallMs / 10);
      const generator = process.cpuUsage(cpuBefore);
      server.child.kill('SIGUSR2');
      const { statements, gc, loopDelay, profile, profilePath } = await readWindow(dir, i + 1);
      const framesAfter = await framesSent(baseUrl);
      // The window spans setup and drain too: per-message figures use the messages it delivered.
      const messages = delivered * seconds;
      console.log(`\n${headline}`);
      console.log(`  server CPU ${(100 * serverShare).toFixed(0)} % of a core (${((serverShare * 1e6) / delivered).toFixed(0)} µs per message); load generator ${((100 * (generator.user + generator.system)) / 1000 / wallMs).toFixed(0)} %`);
      console.log(
        `  frames per message: ${[...framesAfter]
          .map(([type, n]) => [type, (n - (framesBefore.get(type) ?? 0)) / messages] as const)
          .filter(([, n]) => n >= 0.01)
          .map(([type, n]) => `${type} ${n.toFixed(2)}`)
          .join(', ')}`,
      );
      console.log(
        `  pauses: event-loop delay p50 ${loopDelay.p50.toFixed(1)} ms, p99 ${loopDelay.p99.toFixed(1)} ms, max ${loopDelay.max.toFixed(0)} ms; GC ${
          gc.map((g) => `${g.kind} ${g.count}× (max ${g.maxMs.toFixed(1)} ms, ${g.totalMs.toFixed(0)} ms in all)`).join(', ') || 'none'
        }`,
      );
      const sqlMs = statements.reduce((sum, s) => sum + s.totalMs, 0);
      // Latency at a given share of the maximum follows the fixed cost of a write turn, so count per turn.
      const calls = (match: (sql: string) => boolean) => statements.filter((s) => match(s.sql)).reduce((sum, s) => sum + s.calls, 0);
      const turns = calls((sql) => sql.startsWith('commit'));
      const perTurn = (n: number) => (turns > 0 ? n / turns : 0).toFixed(1);
      console.log(
        `  write turns ${turns} (${(turns / seconds).toFixed(0)}/s, ${(messages / Math.max(turns, 1)).toFixed(1)} messages each); statements per turn ${perTurn(calls(() => true))}, of them the bus's ${perTurn(calls((sql) => /"bus_(delivery|event)"/.test(sql)))}`,
      );
      console.log(`  SQLite ${sqlMs.toFixed(0)} ms in the window, top statements (calls, total ms, µs each):`);
      for (const s of statements.slice(0, 8)) console.log(`    ${String(s.calls).padStart(7)} ${s.totalMs.toFixed(0).padStart(6)} ${((1000 * s.totalMs) / s.calls).toFixed(0).padStart(6)}  ${s.sql.replace(/\s+/g, ' ').slice(0, 110)}`);
      console.log(`  most self time (${profilePath}):`);
      for (const line of topSelfTime(profile, 10)) console.log(`    ${line}`);
    }
  } finally {
    await server.stop();
  }
}
