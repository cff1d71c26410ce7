import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPublicKey, verify } from 'node:crypto';
import webpush from 'web-push';
import { TestPushEndpoint } from './test-push-endpoint.ts';
import { sendWebPush } from './web-push-sender.ts';

const vapid = { subject: 'mailto:ops@twin.invalid', ...webpush.generateVAPIDKeys() };
let endpoint: TestPushEndpoint;
before(async () => {
  endpoint = new TestPushEndpoint();
  await endpoint.start();
});
after(() => endpoint.close());

test('sends an RFC 8291 aes128gcm body with VAPID authorization, TTL and topic that decrypts to the payload', async () => {
  const result = await sendWebPush(endpoint.subscription('/p/a'), '{"type":"new-messages"}', { vapid, ttlSeconds: 3600, topic: 'new-messages', timeoutMs: 5000 });
  assert.deepEqual(result, { outcome: 'sent', status: 201 });
  const push = endpoint.received.at(-1)!;
  assert.equal(push.path, '/p/a');
  assert.equal(push.headers['content-encoding'], 'aes128gcm');
  assert.equal(push.headers.ttl, '3600');
  assert.equal(push.headers.topic, 'new-messages');
  const authorization = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(String(push.headers.authorization));
  assert.ok(authorization, String(push.headers.authorization));
  assert.equal(authorization[2], vapid.publicKey);
  // The VAPID JWT (RFC 8292 §2) is ES256-signed by our key, for the endpoint's origin.
  const [header, claims, signature] = authorization[1]!.split('.');
  const point = Buffer.from(vapid.publicKey, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url')));
  const decoded = JSON.parse(Buffer.from(claims!, 'base64url').toString());
  assert.equal(decoded.aud, new URL(endpoint.subscription().endpoint).origin);
  assert.equal(decoded.sub, vapid.subject);
  assert.equal(push.decrypt(), '{"type":"new-messages"}');
});

test('reports 404 and 410 as gone and other failures as failed', async () => {
  endpoint.status = 410;
  assert.equal((await sendWebPush(endpoint.subscription(), 'x', { vapid, ttlSeconds: 60, timeoutMs: 5000 })).outcome, 'gone');
  endpoint.status = 500;
  assert.equal((await sendWebPush(endpoint.subscription(), 'x', { vapid, ttlSeconds: 60, timeoutMs: 5000 })).outcome, 'failed');
  endpoint.status = 201;
});
