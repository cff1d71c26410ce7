/**
 * Process lifecycle: listen, then on SIGTERM or SIGINT drain gracefully — fail readiness,
 * stop accepting connections, let in-flight requests finish, stop background work, close
 * the engines — and exit 0. If draining outlives its timeout the process exits 1 rather
 * than hang a deploy.
 */
import type { HttpApp } from './http/app.ts';
import type { Platform } from './platform.ts';

export interface RunOptions {
  app: HttpApp;
  platform: Platform;
  host: string;
  port: number;
  shutdownTimeoutMs: number;
  /** Extra work to stop before the engines close (feature consumers, sockets). */
  beforeClose?: () => Promise<void>;
}

export async function runWithGracefulShutdown(options: RunOptions): Promise<{ url: string; shutdown: (signal: string) => Promise<void> }> {
  const { app, platform } = options;
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `http://${host}:${port}`;

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      platform.logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        platform.logger.error({ timeoutMs: options.shutdownTimeoutMs }, 'shutdown timed out; exiting');
        process.exit(1);
      }, options.shutdownTimeoutMs);
      force.unref();
      platform.beginShutdown();
      await app.close();
      await options.beforeClose?.();
      await platform.close();
      clearTimeout(force);
      platform.logger.info('shutdown complete');
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          platform.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { url, shutdown };
}
