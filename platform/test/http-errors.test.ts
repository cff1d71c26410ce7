import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

function assertEnvelope(response: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  const body = json(response);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.retryable, 'boolean');
  assert.equal(body.error.requestId, response.headers['x-request-id']);
  assert.ok(!/at .*\.ts:\d+/.test(response.body), 'a stack trace leaked');
  return body.error;
}

await forEachEngineSet('bad input gets a precise 4xx in the error envelope', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { BODY_LIMIT_BYTES: '2048' });
  });
  after(() => t.close());

  const post = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.app.inject({ method: 'POST', url: '/v1/accounts', payload, headers });

  test('malformed JSON → 400 invalid_json', async () => {
    assertEnvelope(await post('{"handle": "ada",'), 400, 'invalid_json');
  });

  test('empty JSON body → 400 invalid_json', async () => {
    assertEnvelope(await post(''), 400, 'invalid_json');
  });

  test('missing field → 400 validation_failed naming the field', async () => {
    const error = assertEnvelope(await post(JSON.stringify({ handle: 'ada_l' })), 400, 'validation_failed');
    assert.deepEqual(error.details.fields.map((f: { field: string }) => f.field), ['/password']);
  });

  test('wrong type → 400 validation_failed (no silent coercion of bodies)', async () => {
    const error = assertEnvelope(await post(JSON.stringify({ handle: 12345, password: 'long-enough-pw' })), 400, 'validation_failed');
    assert.equal(error.details.fields[0].field, '/handle');
  });

  test('unknown field → 400 validation_failed naming it', async () => {
    const error = assertEnvelope(await post(JSON.stringify({ handle: 'ada_l', password: 'long-enough-pw', admin: true })), 400, 'validation_failed');
    assert.ok(error.details.fields.some((f: { field: string }) => f.field === '/admin'));
  });

  test('a JSON array instead of an object → 400 validation_failed', async () => {
    assertEnvelope(await post('[1,2,3]'), 400, 'validation_failed');
  });

  test('body over the limit → 413 payload_too_large', async () => {
    assertEnvelope(await post(JSON.stringify({ handle: 'ada_l', password: 'x'.repeat(4096) })), 413, 'payload_too_large');
  });

  test('wrong content type → 415 unsupported_media_type', async () => {
    assertEnvelope(await post('handle=ada', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  });

  test('unknown route → 404 not_found', async () => {
    const error = assertEnvelope(await t.app.inject({ method: 'GET', url: '/v1/nope?x=1' }), 404, 'not_found');
    assert.match(error.message, /GET \/v1\/nope/);
  });

  test('keeps a sane client request id and replaces a hostile one', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    assert.equal(kept.headers['x-request-id'], 'trace-123');
    const replaced = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\u0000<script>' } });
    assert.match(String(replaced.headers['x-request-id']), /^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
    const next = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.notEqual(next.headers['x-request-id'], replaced.headers['x-request-id']);
  });

  test('the service keeps answering after a run of bad requests', async () => {
    await Promise.all(Array.from({ length: 20 }, () => post('{{{')));
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
