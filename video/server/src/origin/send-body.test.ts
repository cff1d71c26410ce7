import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { sendBody } from './send-body.ts';

/** Serves one response through `answer`; resolves with the server's URL and a promise of what `answer` did. */
async function serveOnce(answer: (res: ServerResponse) => Promise<void>) {
  let outcome!: Promise<void>;
  const server = createServer((_req, res) => {
    res.writeHead(200);
    // Settled once every write has called back.
    outcome = answer(res).then(() => (res.writableFinished ? undefined : once(res, 'finish').then(() => undefined)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return { url, outcome: () => outcome, close: () => server.close() };
}

const chunks = (count: number, bytes: number) => Array.from({ length: count }, (_, i) => Buffer.alloc(bytes, i + 1));

test('own chunks are sent whole and freed once the socket has them', async () => {
  const sent = chunks(4, 256 * 1024);
  const expected = Buffer.concat(sent);
  const s = await serveOnce((res) => sendBody(Readable.from(sent, { objectMode: false }), res, true));
  const received = Buffer.from(await (await fetch(s.url)).arrayBuffer());
  await s.outcome();
  s.close();
  assert.ok(received.equals(expected));
  assert.ok(sent.every((chunk) => chunk.buffer.detached), 'every chunk freed');
});

test('chunks that are not the reader’s own are left alone', async () => {
  const sent = chunks(2, 1024);
  const s = await serveOnce((res) => sendBody(Readable.from(sent, { objectMode: false }), res, false));
  assert.equal((await (await fetch(s.url)).arrayBuffer()).byteLength, 2048);
  await s.outcome();
  s.close();
  assert.ok(sent.every((chunk) => !chunk.buffer.detached));
});

test('a client that goes away mid-body ends the send with a premature close, and the stream is destroyed', async () => {
  // Endless 1 MiB chunks: the socket fills, and the send waits for a drain that never comes.
  const body = new Readable({ read() { this.push(Buffer.alloc(1024 * 1024)); } });
  const s = await serveOnce((res) => sendBody(body, res, true));
  const req = request(s.url);
  req.on('error', () => undefined);
  req.on('response', (res) => res.once('data', () => req.destroy()));
  req.end();
  await once(req, 'close');
  await assert.rejects(
    (async () => {
      while (!s.outcome()) await new Promise((r) => setTimeout(r, 5));
      await s.outcome();
    })(),
    { code: 'ERR_STREAM_PREMATURE_CLOSE' },
  );
  assert.ok(body.destroyed);
  s.close();
});
