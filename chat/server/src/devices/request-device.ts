/**
 * Routes marked "device" in the API run with `config: { auth: 'required' }` (the platform
 * checks the token and its revocation) and then ask here for the device behind it: the
 * token must be a device token (`extra.did`, session `device:<did>`) of a device that is
 * still registered to the token's account. An account session token gets 403.
 */
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { AppError, platformErrors } from '@twin/platform';
import type { FastifyRequest } from 'fastify';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { deviceSessionId, type DeviceService } from './service.ts';

export type RequestDevice = (request: FastifyRequest) => Promise<DeviceIdentity>;

export function requestDevice(devices: DeviceService): RequestDevice {
  return async (request) => {
    const auth = request.auth;
    if (!auth) throw new AppError(platformErrors.unauthorized);
    const deviceId = auth.extra?.did;
    if (!deviceId || auth.sessionId !== deviceSessionId(deviceId)) throw new AppError(chatErrors.device_token_required);
    return devices.assertActive({ accountId: auth.accountId as AccountId, deviceId: deviceId as DeviceId });
  };
}
