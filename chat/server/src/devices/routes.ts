/**
 * HTTP surface of devices: registration, link codes, challenge-response device tokens,
 * the device list senders encrypt for, and removal.
 */
import { Type } from 'typebox';
import type { HttpApp } from '@twin/platform';
import { Id, security } from '../http-schemas.ts';
import type { RequestDevice } from './request-device.ts';
import type { DeviceService } from './service.ts';

const PublicKey = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$', description: 'Raw 32-byte Ed25519 public key, base64url without padding.' });
const Device = Type.Object({
  deviceId: Id,
  name: Type.String(),
  publicKey: PublicKey,
  createdAt: Type.Integer({ description: 'Epoch ms.' }),
});
const RegisteredDevice = Type.Object({ ...Device.properties, accountId: Id });

export async function deviceRoutes(app: HttpApp, { devices, device }: { devices: DeviceService; device: RequestDevice }): Promise<void> {
  app.post(
    '/v1/devices',
    {
      config: { auth: 'required', idempotent: true },
      schema: {
        tags: ['chat devices'],
        summary: 'Register a device of the signed-in account',
        description: 'The first device needs only the account session; every later one needs a one-time link code minted by an existing device.',
        security,
        body: Type.Object(
          {
            publicKey: PublicKey,
            name: Type.String({ minLength: 1, maxLength: 64, description: 'Shown in the device list, e.g. "Laptop".' }),
            linkCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'From POST /v1/devices/link-codes on an existing device.' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: RegisteredDevice },
      },
    },
    async (request, reply) => reply.status(201).send(await devices.register(request.auth!.accountId, request.body)),
  );

  app.post(
    '/v1/devices/link-codes',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat devices'],
        summary: 'Mint a one-time code that approves a new device of this account',
        security,
        response: { 201: Type.Object({ code: Type.String(), expiresAt: Type.Integer({ description: 'Epoch ms.' }) }) },
      },
    },
    async (request, reply) => reply.status(201).send(await devices.mintLinkCode(await device(request))),
  );

  app.post(
    '/v1/devices/:deviceId/challenge',
    {
      schema: {
        tags: ['chat devices'],
        summary: 'Get a single-use nonce for the device to sign',
        params: Type.Object({ deviceId: Id }),
        response: { 200: Type.Object({ nonce: Type.String(), expiresAt: Type.Integer({ description: 'Epoch ms.' }) }) },
      },
    },
    async (request) => devices.challenge(request.params.deviceId),
  );

  app.post(
    '/v1/devices/:deviceId/tokens',
    {
      // Only the per-IP limit: a signature over a fresh nonce cannot be guessed, so the tight
      // password-guessing policy would only throttle many devices behind one address.
      schema: {
        tags: ['chat devices'],
        summary: 'Exchange a signed nonce for a device access token',
        description: 'signature = Ed25519 over the UTF-8 bytes of `twin-chat-device-auth:v1:<deviceId>:<nonce>`, base64url.',
        params: Type.Object({ deviceId: Id }),
        body: Type.Object(
          { nonce: Type.String({ minLength: 1, maxLength: 128 }), signature: Type.String({ minLength: 1, maxLength: 128, description: 'base64url, 64 bytes.' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ accessToken: Type.String(), expiresAt: Type.Integer({ description: 'Epoch ms.' }), accountId: Id, deviceId: Id }),
        },
      },
    },
    async (request) => devices.issueToken(request.params.deviceId, request.body.nonce, request.body.signature),
  );

  app.get(
    '/v1/accounts/:accountId/devices',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat devices'],
        summary: "An account's active devices (senders encrypt for each)",
        security,
        params: Type.Object({ accountId: Id }),
        response: { 200: Type.Object({ devices: Type.Array(Device) }) },
      },
    },
    async (request) => ({ devices: await devices.list(request.params.accountId) }),
  );

  app.get(
    '/v1/devices/:deviceId',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat devices'],
        summary: 'One device of any account, removed ones included (clients check MLS leaf keys against it)',
        security,
        params: Type.Object({ deviceId: Id }),
        response: { 200: Type.Object({ ...RegisteredDevice.properties, removedAt: Type.Union([Type.Integer({ description: 'Epoch ms.' }), Type.Null()]) }) },
      },
    },
    async (request) => devices.describe(request.params.deviceId),
  );

  app.delete(
    '/v1/devices/:deviceId',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['chat devices'],
        summary: 'Remove a device of the caller’s account: its tokens stop working and its sockets close',
        security,
        params: Type.Object({ deviceId: Id }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      // An account session or any of the account's own devices may remove a device.
      const auth = request.auth!;
      if (auth.extra?.did) await device(request);
      await devices.remove(auth.accountId, request.params.deviceId);
      return reply.status(204).send(null);
    },
  );
}
