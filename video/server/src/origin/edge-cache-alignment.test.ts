import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { cachePrefixBytes, headBytes, MIN_ALIGNED_BODY_BYTES, padForEdgeCache, padLength } from './edge-cache-alignment.ts';

test('the prefix is nginx’s header bytes plus the key’s bytes; anything else is ignored', () => {
  assert.equal(cachePrefixBytes('343 public/1/hls/seg-1.m4s'), 343 + 'public/1/hls/seg-1.m4s'.length);
  // Node hands header values over as latin1: one character per byte sent, so a UTF-8 key counts its bytes.
  assert.equal(cachePrefixBytes(`343 ${Buffer.from('public/1/é.vtt').toString('latin1')}`), 343 + Buffer.byteLength('public/1/é.vtt'));
  for (const bad of [undefined, '', '343', '343 ', 'abc public/1', '12345 public/1', ['343 a', '343 b']]) assert.equal(cachePrefixBytes(bad), undefined, String(bad));
});

test('the pad ends the header block on the first page boundary, or is left out', () => {
  const pad = padLength(370, 569)!;
  assert.equal(370 + 569 + 'x-edge-pad: \r\n'.length + pad, 4096);
  assert.equal(padLength(400, 4096 - 400), undefined, 'already aligned');
  assert.equal(padLength(400, 4096 - 400 - 5), undefined, 'no room for the pad line before the boundary');
  assert.equal(padLength(400, 4096 - 400 - 14), 0, 'an empty pad fills the gap exactly');
  assert.equal(padLength(400, 5000), undefined, 'a block past the first page is not pushed to the second');
});

/** The header block a real node:http server sends for `respond`, as bytes on the wire, and the count of it. */
async function measured(respond: (res: ServerResponse) => Record<string, string | string[]>, requestLines: string): Promise<{ sent: number; counted: number }> {
  let counted = 0;
  const server = createServer((_req, res) => {
    const headers = respond(res);
    counted = headBytes(res, 200, headers, server);
    res.writeHead(200, headers).end('x'.repeat(Number(headers['content-length'])));
  });
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  socket.end(`GET / HTTP/1.1\r\nHost: x\r\n${requestLines}\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  server.close();
  server.closeAllConnections();
  return { sent: Buffer.concat(chunks).indexOf('\r\n\r\n') + 4, counted };
}

test('the header block is counted as Node writes it: keep-alive or close, with or without its own Date', async () => {
  const headers = { 'content-type': 'video/iso.segment', 'content-length': '3', etag: '"abc"', 'x-list': ['a', 'bb'] };
  for (const [name, respond, request] of [
    ['keep-alive', () => headers, ''],
    ['connection: close', () => headers, 'Connection: close\r\n'],
    ['a Date of its own', () => ({ ...headers, date: new Date().toUTCString() }), ''],
    ['no Date', (res: ServerResponse) => ((res.sendDate = false), headers), ''],
  ] as const) {
    const { sent, counted } = await measured(respond, request);
    assert.equal(counted, sent, name);
  }
});

test('only a whole-file 200 large enough, requested by the edge, is padded', () => {
  const res = { sendDate: true, shouldKeepAlive: true } as ServerResponse;
  const server = { keepAliveTimeout: 72_000, maxRequestsPerSocket: 0 };
  const big = { 'content-length': String(MIN_ALIGNED_BODY_BYTES) };
  const edge = { 'x-edge-cache-prefix': '343 public/1/hls/720p/seg-1.m4s' };
  const pad = padForEdgeCache(edge, res, 200, () => big, server)!;
  assert.equal(cachePrefixBytes(edge['x-edge-cache-prefix'])! + headBytes(res, 200, big, server) + 'x-edge-pad: \r\n'.length + pad.length, 4096);
  assert.equal(padForEdgeCache({}, res, 200, () => big, server), undefined, 'not from the edge');
  assert.equal(padForEdgeCache(edge, res, 206, () => big, server), undefined, 'a range');
  assert.equal(padForEdgeCache(edge, res, 200, () => ({ 'content-length': String(MIN_ALIGNED_BODY_BYTES - 1) }), server), undefined, 'a small file');
});
