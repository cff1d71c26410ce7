/**
 * The `platform` benchmark: HTTP requests/s through the full platform stack against a
 * bare node:http baseline, and bus events/s on the embedded bus against NATS JetStream.
 * Medians of several runs; every ratio comes from figures measured in this run.
 */
import { availableBusEngines, measureBus } from './bus-throughput.ts';
import { pinned } from './http-load.ts';
import { measureHttp } from './http-throughput.ts';
import { median, printTable, writeReport } from './report.ts';

export async function run({ quick }: { quick: boolean }): Promise<void> {
  // HTTP runs vary ±15 % on a shared 2-core machine: five alternating pairs give a steadier median.
  const httpRuns = quick ? 1 : 5;
  const runs = quick ? 1 : 3;
  const seconds = quick ? 3 : 10;
  const events = quick ? 5_000 : 30_000;

  console.log(`HTTP: GET /healthz, autocannon 50 connections, ${seconds} s × ${httpRuns} runs each`);
  const http = await measureHttp(httpRuns, seconds);

  console.log(`Bus: ${events.toLocaleString('en-US')} events, batches of 100, published → acked, ${runs} runs each`);
  const bus: Record<string, number> = {};
  for (const engine of await availableBusEngines()) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await measureBus(engine, events));
    bus[engine] = median(samples);
    console.log(`  ${engine.padEnd(18)} ${Math.round(bus[engine]).toLocaleString('en-US')} events/s`);
  }

  /** `embedded-sqlite` → `bus_embedded_sqlite`: the prefix of a bus engine's figures in the report. */
  const busKey = (engine: string) => `bus_${engine.replace('-', '_')}`;
  const metrics: Record<string, number> = {
    http_platform_rps: http.platform.rps,
    http_platform_p50_ms: http.platform.p50,
    http_platform_p99_ms: http.platform.p99,
    ...Object.fromEntries(Object.entries(bus).map(([engine, rate]) => [`${busKey(engine)}_events_per_s`, rate])),
  };
  const baseline: Record<string, number> = { http_bare_node_rps: http.bare.rps, http_bare_node_p50_ms: http.bare.p50, http_bare_node_p99_ms: http.bare.p99 };
  if (bus.nats !== undefined) baseline.bus_nats_events_per_s = bus.nats;
  const ratio: Record<string, number> = { http_platform_vs_bare_node: http.platform.rps / http.bare.rps };
  for (const [engine, rate] of Object.entries(bus)) if (engine !== 'nats' && bus.nats) ratio[`${busKey(engine)}_vs_nats`] = rate / bus.nats;

  console.log('');
  printTable([
    { metric: 'GET /healthz full stack vs bare node:http', ours: http.platform.rps, baseline: http.bare.rps, ratio: ratio.http_platform_vs_bare_node, unit: 'req/s' },
    { metric: 'p99 latency', ours: http.platform.p99, baseline: http.bare.p99, unit: 'ms' },
    ...Object.entries(bus)
      .filter(([engine]) => engine !== 'nats')
      .map(([engine, rate]) => ({ metric: `bus ${engine} vs nats`, ours: rate, baseline: bus.nats, ratio: ratio[`${busKey(engine)}_vs_nats`], unit: 'events/s' })),
  ]);
  const path = writeReport({
    name: 'platform',
    runs: httpRuns,
    metrics,
    baseline,
    ratio,
    notes: [
      `HTTP: server in its own process${pinned ? ' pinned to core 1' : ''}, autocannon in the parent${pinned ? ' pinned to core 0' : ''}; both servers stamp an x-request-id; the platform adds routing, validation, hooks, RED metrics and a request logger (probes write no access line, as in production).`,
      `Bus: one consumer group, publish batches of 100, consumer batches of 100, measured from first publish to last ack; median of ${runs} runs.`,
    ],
  });
  console.log(`\nwrote ${path}`);
}
