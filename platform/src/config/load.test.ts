import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfig } from './load.ts';
import { ConfigError, configSpec } from './spec.ts';

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

test('the README configuration table lists every variable', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const spec of Object.values(configSpec)) assert.ok(readme.includes(`\`${spec.name}\``), `README lacks ${spec.name}`);
});
