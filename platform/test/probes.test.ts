import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

await forEachEngineSet('probes, metrics and docs', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines);
  });
  after(() => t.close());

  test('/healthz answers ok', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(json(response), { status: 'ok' });
  });

  test('/readyz reports every engine reachable', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(Object.keys(json(response).engines).sort(), ['blob', 'bus', 'cache', engines === 'embedded' ? 'sqlite' : 'postgres'].sort());
  });

  test('the blob engine follows the configuration', () => {
    assert.equal(t.platform.blob.local, engines === 'embedded');
  });

  test('/readyz answers 503 shutting_down once draining begins', async () => {
    const fresh = await startTestPlatform(engines);
    fresh.platform.beginShutdown();
    const response = await fresh.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.equal(json(response).error.code, 'shutting_down');
    await fresh.close();
  });

  test('/metrics exposes RED per route, event-loop lag and outbox depth', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(text, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status="200"\}/);
    assert.match(text, /nodejs_eventloop_lag_seconds \d/);
    assert.match(text, /outbox_pending_events \d+/);
    assert.match(text, /bus_dead_letters \d+/);
    assert.match(text, /bus_backlog_deliveries \d+/);
  });

  test('/metrics counts unknown URLs under one "unmatched" route, not one series per URL', async () => {
    await t.app.inject({ method: 'GET', url: '/no/such/path-1' });
    await t.app.inject({ method: 'GET', url: '/no/such/path-2' });
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /http_requests_total\{method="GET",route="unmatched",status="404"\} 2/);
    assert.doesNotMatch(text, /path-1/);
  });

  test('/docs/json is an OpenAPI document listing the account routes', async () => {
    const doc = json(await t.app.inject({ method: 'GET', url: '/docs/json' }));
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/v1/accounts', '/v1/sessions', '/v1/sessions/refresh', '/v1/sessions/current', '/healthz', '/readyz']) {
      assert.ok(doc.paths[path], `${path} missing from OpenAPI`);
    }
  });
});

test('/readyz answers 503 naming an unreachable engine', async () => {
  // Nothing listens on port 9 (discard) here: the Redis cache can never connect.
  const t = await startTestPlatform('embedded', { REDIS_URL: 'redis://127.0.0.1:9' });
  const response = await t.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(response.statusCode, 503);
  const error = json(response).error;
  assert.equal(error.code, 'engine_unavailable');
  assert.match(error.details.engines.cache, /^down/);
  assert.equal(error.details.engines.sqlite, 'ok');
  // The rate limiter lives on that cache: API calls fail fast with a retryable 503, not a 500.
  const api = await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle: 'someone', password: 'whatever' } });
  assert.equal(api.statusCode, 503);
  assert.equal(json(api).error.code, 'engine_unavailable');
  assert.equal(json(api).error.retryable, true);
  await t.close();
});
