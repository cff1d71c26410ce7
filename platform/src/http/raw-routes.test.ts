import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import pino from 'pino';
import { RawRoutes } from './raw-routes.ts';

const request = (method: string, url: string) => ({ method, url, headers: {} }) as IncomingMessage;

test('once draining, every request is left to Fastify', () => {
  const routes = new RawRoutes({ recorder: () => () => undefined, requestId: () => 'id', log: pino({ enabled: false }) });
  let answered = 0;
  routes.add({ url: '/f/*', methods: ['GET'], prefix: '/f/', handle: async () => void answered++ });
  const res = { writeHead: () => res, end: () => res } as unknown as ServerResponse;
  assert.equal(routes.dispatch(request('GET', '/f/a'), res), true);
  assert.equal(routes.dispatch(request('GET', '/g/a'), res), false);
  assert.equal(routes.dispatch(request('PUT', '/f/a'), res), false);
  routes.drain();
  assert.equal(routes.dispatch(request('GET', '/f/a'), res), false);
  assert.equal(answered, 1);
});
