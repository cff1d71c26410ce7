/**
 * The retention setting: keep messages for a duration, or until every recipient device
 * has acked them (WhatsApp's store-and-forward model).
 */
import { parsers } from '@twin/platform';

export type RetentionPolicy = { readonly mode: 'duration'; readonly ms: number } | { readonly mode: 'until-delivered' };

const duration = parsers.duration(60_000, 3650 * 86_400_000);

export function parseRetention(raw: string): RetentionPolicy {
  if (raw === 'until-delivered') return { mode: 'until-delivered' };
  try {
    return { mode: 'duration', ms: duration(raw) };
  } catch (error) {
    throw new Error(`must be a duration (1m to 3650d, e.g. 30d) or until-delivered: ${(error as Error).message}`);
  }
}
