/**
 * The caller of a device route: a platform access token minted for a device carries
 * `extra.did` (and session id `device:<deviceId>`, which the platform's auth plugin
 * refuses once the device is removed). An account session token has no `did` and is
 * refused with 403 device_token_required. (The core's `requestDevice` also checks the
 * device row; these routes rely on the revocation check, which removal sets first.)
 */
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { AppError, platformErrors } from '@twin/platform';
import type { FastifyRequest } from 'fastify';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';

export function deviceOf(request: FastifyRequest): DeviceIdentity {
  const auth = request.auth;
  if (!auth) throw new AppError(platformErrors.unauthorized);
  const did = auth.extra?.did;
  if (typeof did !== 'string' || auth.sessionId !== `device:${did}`) throw new AppError(chatErrors.device_token_required);
  return { accountId: auth.accountId as AccountId, deviceId: did as DeviceId };
}
