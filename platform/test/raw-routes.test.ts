import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AppError, platformErrors } from '../src/errors.ts';
import { addRawRoute } from '../src/http/index.ts';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';

// HTTP-level behaviour, the same on every engine set: the embedded one is enough.
let t: TestPlatform;
let base: string;
let handled = 0;

before(async () => {
  t = await startTestPlatform('embedded');
  addRawRoute(t.app, {
    url: '/raw/:name',
    methods: ['GET', 'HEAD'],
    prefix: '/raw/',
    headers: { 'access-control-allow-origin': '*' },
    handle: async (req, res, exchange) => {
      handled++;
      const name = req.url!.slice('/raw/'.length);
      if (name === 'missing') throw new AppError(platformErrors.not_found, 'No such thing.', { headers: { 'cache-control': 'no-store' } });
      if (name === 'broken') throw new Error('an internal detail');
      if (name === 'cut') {
        res.writeHead(200, exchange.headers({ 'content-length': '100' }));
        res.write('partial');
        throw new Error('the disk failed mid-body');
      }
      const body = `hello ${name}`;
      res.writeHead(200, exchange.headers({ 'content-type': 'text/plain', 'content-length': String(body.length) }));
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
after(() => t.close());

const envelope = async (res: Response) => (await res.json()) as { error: { code: string; message: string; requestId: string } };

test('a raw route answers with a request id and the route’s headers', async () => {
  const res = await fetch(`${base}/raw/ada`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello ada');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
  // A sane id from the client is kept, to trace the request across services; another is replaced.
  assert.equal((await fetch(`${base}/raw/ada`, { headers: { 'x-request-id': 'trace-1.a' } })).headers.get('x-request-id'), 'trace-1.a');
  assert.notEqual((await fetch(`${base}/raw/ada`, { headers: { 'x-request-id': 'has spaces' } })).headers.get('x-request-id'), 'has spaces');
  const head = await fetch(`${base}/raw/ada`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '9');
});

test('a failure is answered with the error envelope and the route’s headers; an unexpected one is a 500 that shows nothing of it', async () => {
  const missing = await fetch(`${base}/raw/missing`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('access-control-allow-origin'), '*');
  assert.equal(missing.headers.get('cache-control'), 'no-store');
  const body = await envelope(missing);
  assert.equal(body.error.code, 'not_found');
  assert.equal(body.error.message, 'No such thing.');
  assert.equal(body.error.requestId, missing.headers.get('x-request-id'));

  const broken = await fetch(`${base}/raw/broken`);
  assert.equal(broken.status, 500);
  assert.equal(broken.headers.get('access-control-allow-origin'), '*');
  const text = await broken.text();
  assert.equal(JSON.parse(text).error.code, 'internal');
  assert.ok(!text.includes('an internal detail'), text);
});

test('a failure after the head is out cuts the response short, and the server carries on', async () => {
  const cut = await fetch(`${base}/raw/cut`);
  assert.equal(cut.status, 200);
  await assert.rejects(cut.text());
  assert.equal((await fetch(`${base}/raw/ada`)).status, 200);
});

test('other methods and paths are Fastify’s', async () => {
  const before = handled;
  const post = await fetch(`${base}/raw/ada`, { method: 'POST' });
  assert.equal(post.status, 404);
  assert.equal((await envelope(post)).error.code, 'not_found');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal(handled, before);
});

test('RED metrics count a raw route’s answers under its template', async () => {
  await fetch(`${base}/raw/grace`);
  await fetch(`${base}/raw/missing`);
  const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(text, /http_requests_total\{method="GET",route="\/raw\/:name",status="200"\} [1-9]/);
  assert.match(text, /http_requests_total\{method="GET",route="\/raw\/:name",status="404"\} [1-9]/);
  assert.doesNotMatch(text, /route="\/raw\/grace"/);
});
