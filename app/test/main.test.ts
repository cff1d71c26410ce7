import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'twin-main-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], { env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /open (http:\/\/\S+?)\/docs/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  url.catch(() => {}); // a test that expects the process to fail never awaits the url
  return { child, url, output: () => ({ stdout, stderr }) };
}

test('npm start serves the probes, prints where to open it, and exits 0 on SIGTERM', async () => {
  const app = start({});
  const url = await app.url;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /http_requests_total/);
  assert.equal(((await (await fetch(`${url}/docs/json`)).json()) as { openapi: string }).openapi, '3.1.0');
  const docs = await fetch(`${url}/docs`);
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
  app.child.kill('SIGTERM');
  const [code] = await once(app.child, 'exit');
  assert.equal(code, 0, app.output().stderr);
});

test('a request in flight when SIGTERM arrives still completes', async () => {
  const app = start({});
  const url = await app.url;
  // The headers go first and the body only after the signal, so the request is surely in
  // flight (routed, waiting for its body) when SIGTERM arrives, however loaded the machine.
  const body = JSON.stringify({ handle: 'drain_me', password: 'long enough pw' });
  const req = request(`${url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const response = once(req, 'response') as Promise<[IncomingMessage]>;
  req.flushHeaders();
  await new Promise((r) => setTimeout(r, 200));
  app.child.kill('SIGTERM');
  req.end(body);
  const [res] = await response;
  res.resume();
  assert.equal(res.statusCode, 201);
  const [code] = await once(app.child, 'exit');
  assert.equal(code, 0);
});

test('a background role serves probes and metrics but not the public API', async () => {
  const app = start({ ROLE: 'worker' });
  const url = await app.url;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/metrics`)).status, 200);
  const api = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(api.status, 404);
  app.child.kill('SIGTERM');
  const [code] = await once(app.child, 'exit');
  assert.equal(code, 0);
});

test('a bad configuration value stops the process naming the variable, without a stack trace', async () => {
  const app = start({ PORT: 'eighty' });
  const [code] = await once(app.child, 'exit');
  assert.equal(code, 1);
  const { stderr } = app.output();
  assert.match(stderr, /Configuration error: PORT: must be a whole number, got "eighty"/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});
