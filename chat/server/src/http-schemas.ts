/**
 * TypeBox pieces shared by the chat core's routes, and the one rule for ids in paths and
 * bodies: a decimal Snowflake that fits in a signed 64-bit column. A well-formed id
 * beyond that range cannot exist, so it is answered as "not found", never as an SQL error.
 */
import { Type } from 'typebox';

export const Id = Type.String({ pattern: '^[0-9]{1,20}$', description: 'Snowflake id (64-bit, decimal string).' });
export const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Position in the conversation log, gapless from 1.' });
export const security = [{ bearer: [] }];

const INT64_MAX = 9223372036854775807n;

/** True when `id` can be stored in a bigint column (so looking it up is meaningful). */
export function isStorableId(id: string): boolean {
  return /^[0-9]{1,20}$/.test(id) && BigInt(id) <= INT64_MAX;
}
