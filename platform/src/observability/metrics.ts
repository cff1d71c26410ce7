/**
 * Prometheus metrics: one registry per process (per app in tests), RED metrics per route,
 * the Node runtime's own (event-loop lag, heap, GC), and gauges that features register
 * for their queues. Served as text at /metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

type HttpLabel = 'method' | 'route' | 'status';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<HttpLabel>;
  readonly httpDuration: Histogram<HttpLabel>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
  }

  /**
   * A recorder for one route template. Label children are cached by status and method,
   * so the per-request path does two Map lookups and no label hashing or string building.
   */
  httpRecorder(route: string): (method: string, status: number, seconds: number) => void {
    const byStatus = new Map<number, Map<string, { count: Counter.Internal; duration: Histogram.Internal<HttpLabel> }>>();
    return (method, status, seconds) => {
      let byMethod = byStatus.get(status);
      if (!byMethod) byStatus.set(status, (byMethod = new Map()));
      let series = byMethod.get(method);
      if (!series) {
        const labels = { method, route, status: String(status) };
        series = { count: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
        byMethod.set(method, series);
      }
      series.count.inc();
      series.duration.observe(seconds);
    };
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

  /** A gauge with labels, filled at each scrape by `read`. */
  labelledGaugeFrom<L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, value: number) => void) => Promise<void>): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await read((labels, value) => this.set(labels, value));
      },
    });
  }
}
