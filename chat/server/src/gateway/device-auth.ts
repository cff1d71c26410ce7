/**
 * The caller of a device route: a platform access token minted for a device carries
 * `extra.did` (and session id `device:<deviceId>`, which the platform's auth plugin
 * refuses once the device is removed). An account session token has no `did` and is
 * refused with 403 device_token_required.
 */
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { AppError, platformErrors } from '@twin/platform';
import type { FastifyRequest } from 'fastify';
import type { DeviceIdentity } from '../core.ts';

export const DEVICE_TOKEN_REQUIRED = { code: 'device_token_required', status: 403, retryable: false, description: 'This route needs a device access token, not an account session token.' };

export function deviceOf(request: FastifyRequest): DeviceIdentity {
  const auth = request.auth;
  if (!auth) throw new AppError(platformErrors.unauthorized);
  const did = auth.extra?.did;
  if (typeof did !== 'string' || auth.sessionId !== `device:${did}`) throw new AppError(DEVICE_TOKEN_REQUIRED);
  return { accountId: auth.accountId as AccountId, deviceId: did as DeviceId };
}
