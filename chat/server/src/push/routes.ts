/**
 * Push subscription routes: the VAPID public key a browser needs for
 * `pushManager.subscribe({ applicationServerKey })`, and registering / removing the
 * calling device's subscription.
 */
import { AppError, type HttpApp } from '@twin/platform';
import { Type } from 'typebox';
import { deviceOf } from '../gateway/device-auth.ts';
import { realtimeErrors } from '../gateway/errors.ts';
import type { PushStore } from './store.ts';

const Base64Url = Type.String({ pattern: '^[A-Za-z0-9_-]+={0,2}$', maxLength: 200 });

export interface PushRouteOptions {
  readonly store: PushStore;
  readonly vapidPublicKey: () => Promise<string>;
  readonly allowHttp: boolean;
}

export async function pushRoutes(app: HttpApp, { store, vapidPublicKey, allowHttp }: PushRouteOptions): Promise<void> {
  app.get(
    '/v1/push/vapid-public-key',
    {
      schema: {
        tags: ['chat'],
        summary: 'The VAPID public key (applicationServerKey) for Web Push subscriptions',
        response: { 200: Type.Object({ publicKey: Type.String({ description: 'Uncompressed P-256 point, base64url.' }) }) },
      },
    },
    async () => ({ publicKey: await vapidPublicKey() }),
  );

  app.post(
    '/v1/push-subscriptions',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat'],
        summary: 'Register the calling device’s Web Push subscription (PushSubscription.toJSON())',
        security: [{ bearer: [] }],
        body: Type.Object(
          { endpoint: Type.String({ minLength: 8, maxLength: 1024 }), keys: Type.Object({ p256dh: Base64Url, auth: Base64Url }), expirationTime: Type.Optional(Type.Union([Type.Integer(), Type.Null()])) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ endpoint: Type.String(), deviceId: Type.String() }) },
      },
    },
    async (request, reply) => {
      const device = deviceOf(request);
      const { endpoint, keys } = request.body;
      checkSubscription(endpoint, keys, allowHttp);
      await store.upsert(device, endpoint, keys);
      return reply.status(201).send({ endpoint, deviceId: device.deviceId });
    },
  );

  app.delete(
    '/v1/push-subscriptions',
    {
      config: { auth: 'required' },
      schema: { tags: ['chat'], summary: 'Remove the calling device’s push subscriptions', security: [{ bearer: [] }], response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await store.deleteForDevice(deviceOf(request).deviceId);
      return reply.status(204).send(null);
    },
  );
}

/** RFC 8291 §3: p256dh is an uncompressed P-256 point (65 bytes), auth a 16-byte secret. */
function checkSubscription(endpoint: string, keys: { p256dh: string; auth: string }, allowHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AppError(realtimeErrors.invalid_push_subscription, 'The endpoint is not a URL.');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new AppError(realtimeErrors.invalid_push_subscription, 'The endpoint must be an https URL.');
  const p256dh = Buffer.from(keys.p256dh, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 4) throw new AppError(realtimeErrors.invalid_push_subscription, 'keys.p256dh must be an uncompressed P-256 public key (65 bytes).');
  if (Buffer.from(keys.auth, 'base64url').length !== 16) throw new AppError(realtimeErrors.invalid_push_subscription, 'keys.auth must be 16 bytes.');
}
