import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

await forEachEngineSet('rate limits', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { RATE_LIMIT_LOGIN_BURST: '3', RATE_LIMIT_IP_BURST: '50', RATE_LIMIT_IP_PER_SECOND: '1' });
  });
  after(() => t.close());

  test('sign-in attempts beyond the burst get 429 rate_limited with Retry-After and RateLimit headers', async () => {
    const attempt = () => t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle: 'nobody', password: 'guess' }, remoteAddress: '10.9.9.9' });
    for (let i = 0; i < 3; i++) assert.equal((await attempt()).statusCode, 401);
    const limited = await attempt();
    assert.equal(limited.statusCode, 429);
    assert.equal(json(limited).error.code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(limited.headers['ratelimit-limit'], '3');
    assert.equal(limited.headers['ratelimit-remaining'], '0');
    assert.ok(Number(limited.headers['ratelimit-reset']) >= 1);
  });

  test('another IP still has its own bucket', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle: 'nobody', password: 'guess' }, remoteAddress: '10.9.9.10' });
    assert.equal(response.statusCode, 401);
  });

  test('per-IP limit covers API routes, bad requests included, and counts down in the headers', async () => {
    const hit = () => t.app.inject({ method: 'DELETE', url: '/v1/sessions/current', remoteAddress: '10.1.1.1' });
    const first = await hit();
    assert.equal(first.headers['ratelimit-limit'], '50');
    assert.equal(first.headers['ratelimit-remaining'], '49');
    let last = first;
    for (let i = 0; i < 55 && last.statusCode !== 429; i++) last = await hit();
    assert.equal(last.statusCode, 429);
  });

  test('probes are never rate limited', async () => {
    for (let i = 0; i < 60; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.2.2.2' });
      assert.equal(response.statusCode, 200);
    }
  });
});
