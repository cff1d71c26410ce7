/**
 * Polling for tests that wait on something asynchronous (a delivery, a dead letter).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it is truthy; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
