import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { isReachable, uniqueTestName } from './engines.ts';

test('isReachable is true for a listening port and false for a closed one', async () => {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  assert.equal(await isReachable(`tcp://127.0.0.1:${port}`), true);
  server.close();
  await new Promise((r) => server.once('close', r));
  assert.equal(await isReachable(`tcp://127.0.0.1:${port}`), false);
});

test('uniqueTestName never repeats and is a valid SQL identifier', () => {
  const a = uniqueTestName('t');
  assert.notEqual(a, uniqueTestName('t'));
  assert.match(a, /^[a-z0-9_]+$/);
});
