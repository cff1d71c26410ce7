/**
 * Prometheus metrics: one registry per process (per app in tests), RED metrics per route,
 * the Node runtime's own (event-loop lag, heap, GC), and gauges that features register
 * for their queues. Served as text at /metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HttpMetrics, type HttpRecorder } from './http-metrics.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly #http: HttpMetrics;

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.#http = new HttpMetrics(this.registry);
  }

  /** A recorder of RED metrics for one route template (see HttpMetrics). */
  httpRecorder(route: string): HttpRecorder {
    return this.#http.recorder(route);
  }

  /** A gauge whose value is read from `read` at each scrape (queue depths, connection counts). */
  gaugeFrom(name: string, help: string, read: () => number | Promise<number>): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** A counter on this process's registry (frames, pushes sent…); features use it without importing prom-client. */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A histogram on this process's registry (latencies, in seconds by convention). */
  histogram<L extends string = never>(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets: [...buckets], labelNames, registers: [this.registry] });
  }
}
