import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword, verifyPasswordOrBurn } from './passwords.ts';

test('verifies the right password and rejects a wrong one', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.match(stored, /^scrypt\$16384\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterx', stored), false);
});

test('salts every hash', async () => {
  assert.notEqual(await hashPassword('same'), await hashPassword('same'));
});

test('treats unicode compositions of the same password as equal', async () => {
  const stored = await hashPassword('caf\u00e9-password');
  assert.equal(await verifyPassword('cafe\u0301-password', stored), true);
});

test('without an account the decoy check fails even for its own password', async () => {
  assert.equal(await verifyPasswordOrBurn('anything', undefined), false);
});

test('a malformed stored hash never verifies', async () => {
  assert.equal(await verifyPassword('x', 'md5$abc'), false);
});
