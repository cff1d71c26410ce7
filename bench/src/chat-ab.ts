/**
 * `npm run bench -- chat-ab --base <checkout> [--rate max|N] [--seconds 2] [--rounds 12] [--pairs 32]`:
 * the chat server of another checkout (`--base`, with its own node_modules: a `git
 * worktree` of an earlier commit, say) against this one's, in one run. Both servers are up
 * at once on core 1 and only one is loaded at a time, in short windows alternated ABBA, so
 * that what the machine does over minutes (here the same server's maximum moved 16k–29k
 * msgs/s within an hour) falls on both alike. Per window: delivered msgs/s at saturation
 * (`max`), or p50/p99 send → deliver at a paced rate. The verdict is the median of the
 * pairs' own ratios. A diagnostic, not a benchmark: nothing is written to bench/results.
 */
import { join, resolve } from 'node:path';
import { paced, saturate, type LoadPair } from './chat-load.ts';
import { startChild, type ChildServer } from './chat-process.ts';
import { createPairs } from './chat-setup.ts';
import { wsUrl } from './chat-wire.ts';
import { option } from './options.ts';
import { median } from './report.ts';

interface Side {
  readonly name: string;
  readonly server: ChildServer;
  readonly url: string;
  readonly pairs: LoadPair[];
  readonly windows: Array<{ value: number; p50?: number }>;
}

export async function run({ args }: { quick: boolean; args: readonly string[] }): Promise<void> {
  const base = resolve(option(args, 'base'));
  const rate = option(args, 'rate', 'max');
  const seconds = Number(option(args, 'seconds', '2'));
  const rounds = Number(option(args, 'rounds', '12'));
  const pairCount = Number(option(args, 'pairs', '32'));
  const scripts = [
    { name: 'base', script: join(base, 'bench/src/chat-server.ts') },
    { name: 'this', script: join(import.meta.dirname, 'chat-server.ts') },
  ];
  const sides: Side[] = [];
  try {
    for (const { name, script } of scripts) {
      const server = await startChild(script, { core: 1 });
      const baseUrl = `http://127.0.0.1:${server.port}`;
      const pairs = (await createPairs(baseUrl, pairCount)).map((p) => ({ senderToken: p.sender.token, receiverToken: p.receiver.token, conversationId: p.conversationId }));
      const side: Side = { name, server, url: wsUrl(baseUrl), pairs, windows: [] };
      sides.push(side);
      await saturate(side.url, pairs, 2); // warm-up: JIT, caches, the WAL checkpointer
    }
    console.log(`chat-ab: ${base} (base) vs this checkout, ${rate === 'max' ? 'saturating' : `paced at ${rate} msgs/s`}, ${rounds} rounds of ${seconds} s windows`);
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        if (rate === 'max') side.windows.push({ value: (await saturate(side.url, side.pairs, seconds)).deliveredPerSecond });
        else {
          const result = await paced(side.url, side.pairs, seconds, Number(rate));
          side.windows.push({ value: result.p99Ms, p50: result.p50Ms });
        }
      }
      const shown = sides.map((s) => `${s.name} ${s.windows.at(-1)!.value.toFixed(rate === 'max' ? 0 : 1)}`).join(', ');
      console.log(`  round ${round + 1}: ${shown}${rate === 'max' ? ' msgs/s' : ' ms p99'}`);
    }
    const [before, after] = sides as [Side, Side];
    const ratios = after.windows.map((w, i) => w.value / before.windows[i]!.value);
    const unit = rate === 'max' ? 'msgs/s delivered' : 'ms p99';
    console.log(`\nbase: median ${median(before.windows.map((w) => w.value)).toFixed(1)} ${unit}; this: ${median(after.windows.map((w) => w.value)).toFixed(1)}`);
    if (rate !== 'max') console.log(`p50: base ${median(before.windows.map((w) => w.p50!)).toFixed(1)} ms, this ${median(after.windows.map((w) => w.p50!)).toFixed(1)} ms`);
    console.log(`this / base: median of pairs ${median(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(2)).join(' ')}]`);
  } finally {
    for (const side of sides) await side.server.stop();
  }
}
