/**
 * Branded ids of the video feature: Snowflake decimal strings that the type system keeps
 * apart, and the one rule for ids arriving in paths: decimal, fits a signed 64-bit column.
 */
import { Type } from 'typebox';

export type ChannelId = string & { readonly __brand: 'ChannelId' };
export type VideoId = string & { readonly __brand: 'VideoId' };
export type AccountId = string & { readonly __brand: 'AccountId' };

/** What a path or body id must look like before it is looked up (the schema's pattern). */
export const ID_PATTERN = '^[0-9]{1,20}$';
export const IdSchema = Type.String({ pattern: ID_PATTERN, description: 'Snowflake id (64-bit, decimal string).' });
export const security = [{ bearer: [] }];

const INT64_MAX = 9223372036854775807n;

/** True when `id` can be stored in a bigint column; another id cannot exist, so it is "not found". */
export function isStorableId(id: string): boolean {
  return /^[0-9]{1,20}$/.test(id) && BigInt(id) <= INT64_MAX;
}
