import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './load.ts';
import { ConfigError, parsers } from './spec.ts';

test('defaults give the embedded engines on port 8080', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.role, 'all');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.s3, undefined);
});

test('a bad value names the variable and the problem', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
    [{ PORT: '70000' }, /^PORT: must be between 0 and 65535/],
    [{ ROLE: 'boss' }, /^ROLE: must be one of all, gateway/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: must use postgres:/],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /^S3_BUCKET: .*set together/],
    [{ CURSOR_SECRET: 'short' }, /^CURSOR_SECRET: must be at least 32/],
    [{ ACCESS_TOKEN_TTL_SECONDS: '3600' }, /^ACCESS_TOKEN_TTL_SECONDS: must be between 30 and 900/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  }
});

test('S3 settings are grouped when endpoint and bucket are both set', () => {
  const config = loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'media' });
  assert.deepEqual(config.s3, {
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'media',
    region: 'us-east-1',
    accessKeyId: undefined,
    secretAccessKey: undefined,
    forcePathStyle: true,
  });
});

test('durations and sizes read with their units', () => {
  assert.equal(parsers.duration(0, Infinity)('250ms'), 250);
  assert.equal(parsers.duration(0, Infinity)('30d'), 30 * 86_400_000);
  assert.equal(parsers.bytes(0, Infinity)('64KiB'), 65_536);
  assert.equal(parsers.bytes(0, Infinity)('8GiB'), 8 * 1024 ** 3);
  assert.throws(() => parsers.duration(0, Infinity)('5 minutes'), /must be a duration/);
  assert.throws(() => parsers.bytes(0, 1024)('2KiB'), /between 0 and 1024 bytes/);
});
