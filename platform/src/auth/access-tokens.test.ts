import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { AppError } from '../errors.ts';
import { AccessTokenIssuer } from './access-tokens.ts';

const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const issuer = new AccessTokenIssuer(pem(), 900);
const hasCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

test('issues an EdDSA token that verifies to its claims', async () => {
  const token = await issuer.issue({ accountId: '9100000000000000001', sessionId: '9100000000000000002', extra: { did: '7' } });
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'EdDSA');
  assert.deepEqual(await issuer.verify(token), { accountId: '9100000000000000001', sessionId: '9100000000000000002', extra: { did: '7' } });
});

test('rejects a token signed by another key', async () => {
  const token = await new AccessTokenIssuer(pem(), 900).issue({ accountId: '1', sessionId: '2' });
  await assert.rejects(issuer.verify(token), hasCode('unauthorized'));
});

test('rejects an expired token with token_expired', async () => {
  const key = pem();
  const past = Math.floor(Date.now() / 1000) - 1000;
  const { createPrivateKey } = await import('node:crypto');
  const token = await new SignJWT({ sid: '2' })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
    .setSubject('1')
    .setIssuer('twin')
    .setAudience('twin-api')
    .setIssuedAt(past)
    .setExpirationTime(past + 60)
    .sign(createPrivateKey(key));
  await assert.rejects(new AccessTokenIssuer(key, 900).verify(token), hasCode('token_expired'));
});

test('rejects an unsigned (alg none) or tampered token', async () => {
  const token = await issuer.issue({ accountId: '1', sessionId: '2' });
  const [header, payload, signature] = token.split('.');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
  await assert.rejects(issuer.verify(none), hasCode('unauthorized'));
  const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: '666' })).toString('base64url');
  await assert.rejects(issuer.verify(`${header}.${forgedPayload}.${signature}`), hasCode('unauthorized'));
  await assert.rejects(issuer.verify('not-a-jwt'), hasCode('unauthorized'));
});

test('refuses a signing key that is not Ed25519', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.throws(() => new AccessTokenIssuer(rsa, 900), /Ed25519/);
});
