/**
 * RED metrics for HTTP: a request counter and a latency histogram per (method, route
 * template, status). prom-client's labelled children re-hash their labels on every
 * observation (~1–2 µs a request, measured); here each route holds its own series in
 * plain arrays and the registry reads them only when /metrics is scraped. The exposition
 * is the same as prom-client's Counter and Histogram.
 */
import type { Registry } from 'prom-client';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Series {
  readonly labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

export type HttpRecorder = (method: string, status: number, seconds: number) => void;

export class HttpMetrics {
  readonly #series: Series[] = [];

  constructor(registry: Registry) {
    const series = this.#series;
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]) => ({
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
      reset: () => {
        for (const s of series) {
          s.buckets.fill(0);
          s.sum = 0;
          s.count = 0;
        }
      },
    });
    registry.registerMetric(
      metric('http_requests_total', 'HTTP requests by route template and status.', 'counter', () => series.map((s) => ({ labels: s.labels, value: s.count }))) as never,
    );
    registry.registerMetric(
      metric('http_request_duration_seconds', 'HTTP request latency by route template and status.', 'histogram', () => series.flatMap(histogramValues)) as never,
    );
  }

  /** A recorder for one route template; series are made on first use of a method and status. */
  recorder(route: string): HttpRecorder {
    const byStatus = new Map<number, Map<string, Series>>();
    return (method, status, seconds) => {
      let byMethod = byStatus.get(status);
      if (!byMethod) byStatus.set(status, (byMethod = new Map()));
      let series = byMethod.get(method);
      if (!series) {
        series = { labels: { method, route, status: String(status) }, buckets: new Float64Array(BUCKETS.length + 1), sum: 0, count: 0 };
        byMethod.set(method, series);
        this.#series.push(series);
      }
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
      series.buckets[bucket]!++;
      series.sum += seconds;
      series.count++;
    };
  }
}

function histogramValues(series: Series): MetricValue[] {
  const name = 'http_request_duration_seconds';
  let cumulative = 0;
  const values: MetricValue[] = BUCKETS.map((le, i) => {
    cumulative += series.buckets[i]!;
    return { labels: { le, ...series.labels }, value: cumulative, metricName: `${name}_bucket` };
  });
  values.push(
    { labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${name}_bucket` },
    { labels: series.labels, value: series.sum, metricName: `${name}_sum` },
    { labels: series.labels, value: series.count, metricName: `${name}_count` },
  );
  return values;
}
