/**
 * Minted request ids: a random tag per process plus a counter — unique across nodes and
 * restarts in practice, and far cheaper per request than a UUID. No other dependency, so
 * the benchmarks' bare node:http baselines mint theirs with this very function.
 */
import { randomBytes } from 'node:crypto';

export function requestIdMinter(): () => string {
  const tag = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => `${tag}-${(++counter).toString(36)}`;
}
