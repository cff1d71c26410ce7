import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.ts';

test('redacts tokens, passwords and authorization headers', () => {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const logger = createLogger({ level: 'info', destination: destination as never });
  logger.info({ req: { headers: { authorization: 'Bearer abc.def.ghi' } }, body: { password: 'hunter22', refreshToken: 'r-123' } }, 'x');
  logger.info({ accessToken: 'eyJ-secret' }, 'y');
  const text = lines.join('');
  for (const secret of ['abc.def.ghi', 'hunter22', 'r-123', 'eyJ-secret']) assert.ok(!text.includes(secret), `${secret} leaked`);
  assert.ok(text.includes('[redacted]'));
});
