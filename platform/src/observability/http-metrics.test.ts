import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics.ts';

test('exposes counts and cumulative latency buckets per method, route and status', async () => {
  const registry = new Registry();
  const record = new HttpMetrics(registry).recorder('/v1/things/:id');
  record('GET', 200, 0.0004);
  record('GET', 200, 0.003);
  record('GET', 200, 7);
  record('POST', 409, 0.02);
  const text = await registry.metrics();
  assert.match(text, /# TYPE http_requests_total counter/);
  assert.match(text, /http_requests_total\{method="GET",route="\/v1\/things\/:id",status="200"\} 3/);
  assert.match(text, /http_requests_total\{method="POST",route="\/v1\/things\/:id",status="409"\} 1/);
  assert.match(text, /# TYPE http_request_duration_seconds histogram/);
  assert.match(text, /http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/v1\/things\/:id",status="200"\} 1/);
  assert.match(text, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/things\/:id",status="200"\} 2/);
  assert.match(text, /http_request_duration_seconds_bucket\{le="5",method="GET",route="\/v1\/things\/:id",status="200"\} 2/);
  assert.match(text, /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/things\/:id",status="200"\} 3/);
  assert.match(text, /http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id",status="200"\} 3/);
  assert.match(text, /http_request_duration_seconds_sum\{method="GET",route="\/v1\/things\/:id",status="200"\} 7.0034/);
});

test('resetMetrics zeroes every series', async () => {
  const registry = new Registry();
  new HttpMetrics(registry).recorder('/x')('GET', 200, 0.01);
  registry.resetMetrics();
  assert.match(await registry.metrics(), /http_requests_total\{method="GET",route="\/x",status="200"\} 0/);
});
