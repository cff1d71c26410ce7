import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.ts';
import { LazyRequestLogger } from './request-logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { lines, logger: createLogger({ level: 'info', destination: destination as never }) };
}

test('writes lines with the request bindings, and nothing below the level', () => {
  const { lines, logger } = capture();
  const log = new LazyRequestLogger(logger, { reqId: 'r-1' }, {});
  log.debug('hidden');
  log.info({ status: 200 }, 'request');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.reqId, 'r-1');
  assert.equal(lines[0]!.status, 200);
  assert.equal(lines[0]!.msg, 'request');
});

test('honours a route log level passed by Fastify', () => {
  const { lines, logger } = capture();
  const log = new LazyRequestLogger(logger, { reqId: 'r-2' }, { level: 'warn' });
  log.info('quiet');
  log.warn('loud');
  assert.deepEqual(lines.map((l) => l.msg), ['loud']);
  assert.equal(log.isLevelEnabled('info'), false);
});

test('children keep the request bindings and redaction', () => {
  const { lines, logger } = capture();
  new LazyRequestLogger(logger, { reqId: 'r-3' }, {}).child({ part: 'x' }).info({ password: 'hunter22' }, 'm');
  assert.equal(lines[0]!.reqId, 'r-3');
  assert.equal(lines[0]!.part, 'x');
  assert.equal(lines[0]!.password, '[redacted]');
});

test('a route level never makes lines louder than the process level', () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const silent = createLogger({ level: 'silent', destination: destination as never });
  const log = new LazyRequestLogger(silent, { reqId: 'r-4' }, { level: 'warn' });
  log.error('must stay silent');
  log.child({ part: 'x' }).error('children too');
  assert.deepEqual(lines, []);
});
