/**
 * Where the real engines live for tests, and what to do when one is absent: off CI a
 * suite skips with a visible reason; with `CI=true` an absent engine fails the suite,
 * because CI must prove every implementation for real.
 */
import net from 'node:net';

export const testEngines = {
  postgres: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;

const onCi = process.env.CI === 'true';

/** Resolves true when something accepts TCP connections at the URL's host and port. */
export function isReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The `skip` option for a suite that needs the engine at `url`: `false` when it is up,
 * a reason string when it is down off CI. On CI a down engine throws, failing the run.
 */
export async function skipUnlessReachable(engine: keyof typeof testEngines): Promise<string | false> {
  const url = testEngines[engine];
  if (await isReachable(url)) return false;
  const reason = `${engine} not reachable at ${url}`;
  if (onCi) throw new Error(`${reason} (CI=true: engine-backed tests must run)`);
  console.log(`# SKIP ${reason}; start it to run these tests`);
  return reason;
}

/** A name unique to this test process, for schemas, key prefixes and stream names. */
export function uniqueTestName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
