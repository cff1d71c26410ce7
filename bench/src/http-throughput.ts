/**
 * HTTP half of the platform benchmark: GET /healthz through the full platform stack vs a
 * bare node:http server answering the same bytes, alternating the two so drift in the
 * machine's state hits both equally.
 */
import { join } from 'node:path';
import { load, startServer, type LoadResult } from './http-load.ts';
import { median } from './report.ts';

export interface HttpFigures {
  platform: { rps: number; p50: number; p99: number };
  bare: { rps: number; p50: number; p99: number };
}

const summarise = (results: LoadResult[]) => ({
  rps: median(results.map((r) => r.requestsPerSecond)),
  p50: median(results.map((r) => r.latencyP50Ms)),
  p99: median(results.map((r) => r.latencyP99Ms)),
});

export async function measureHttp(runs: number, seconds: number): Promise<HttpFigures> {
  const servers = join(import.meta.dirname, 'servers');
  const platform: LoadResult[] = [];
  const bare: LoadResult[] = [];
  for (let run = 0; run < runs; run++) {
    for (const [script, sink] of [['bare-http.ts', bare], ['platform-http.ts', platform]] as const) {
      const server = await startServer(join(servers, script));
      try {
        await load(`http://127.0.0.1:${server.port}/healthz`, 1); // warm-up: JIT, connections
        const result = await load(`http://127.0.0.1:${server.port}/healthz`, seconds);
        if (result.non2xx > 0) throw new Error(`${script} answered ${result.non2xx} non-2xx responses`);
        sink.push(result);
        console.log(`  run ${run + 1}/${runs} ${script.padEnd(18)} ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s`);
      } finally {
        await server.stop();
      }
    }
  }
  return { platform: summarise(platform), bare: summarise(bare) };
}
