/**
 * The nginx edge's config and process: renders `edge.conf.template` from options (or the
 * environment: `node deploy/nginx/edge.ts render > edge.conf`), and starts nginx on it
 * unprivileged in a prefix directory of its own, for tests, benchmarks and a laptop demo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EdgeConfigOptions {
  /** `host:port` or a port to listen on. */
  listen: string;
  /** Origins as `host:port` (one or more). */
  origins: readonly string[];
  /** VIDEO_PLAYBACK_SECRET of the origins. */
  playbackSecret: string;
  workers?: number | 'auto';
  cacheMaxSize?: string;
  /** Playback requests per second per client address, and the burst above it. */
  videoRate?: number;
  videoBurst?: number;
  apiRate?: number;
  apiBurst?: number;
  /** A file under the prefix, or `off`. */
  accessLog?: string;
}

const TEMPLATE = join(import.meta.dirname, 'edge.conf.template');

export async function renderEdgeConfig(o: EdgeConfigOptions): Promise<string> {
  if (o.origins.length === 0) throw new Error('the edge needs at least one origin');
  // The secret is written into the config inside double quotes: the origin's setting admits no character needing escapes.
  if (!/^[A-Za-z0-9_-]{32,256}$/.test(o.playbackSecret)) throw new Error('the playback secret must be 32–256 characters of A–Z a–z 0–9 _ -');
  const values: Record<string, string> = {
    EDGE_LISTEN: o.listen,
    EDGE_ORIGIN_SERVERS: o.origins.map((origin) => `        server ${origin} max_fails=3 fail_timeout=5s;`).join('\n'),
    PLAYBACK_SECRET: o.playbackSecret,
    EDGE_WORKERS: String(o.workers ?? 'auto'),
    EDGE_CACHE_MAX_SIZE: o.cacheMaxSize ?? '10g',
    EDGE_VIDEO_RATE: String(o.videoRate ?? 20),
    EDGE_VIDEO_BURST: String(o.videoBurst ?? 100),
    EDGE_API_RATE: String(o.apiRate ?? 100),
    EDGE_API_BURST: String(o.apiBurst ?? 600),
    EDGE_ACCESS_LOG: o.accessLog ?? 'off',
  };
  const template = await readFile(TEMPLATE, 'utf8');
  return template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`edge.conf.template names an unknown variable ${name}`);
    return value;
  });
}

/** Options from the environment, as the README of this folder lists them. */
export function edgeOptionsFromEnv(env: Record<string, string | undefined> = process.env): EdgeConfigOptions {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const num = (name: string) => (env[name] ? Number(env[name]) : undefined);
  return {
    listen: env.EDGE_LISTEN ?? '8080',
    origins: need('EDGE_ORIGINS').split(',').map((s) => s.trim()).filter(Boolean),
    playbackSecret: need('VIDEO_PLAYBACK_SECRET'),
    ...(env.EDGE_WORKERS ? { workers: env.EDGE_WORKERS === 'auto' ? 'auto' : Number(env.EDGE_WORKERS) } : {}),
    ...(env.EDGE_CACHE_MAX_SIZE ? { cacheMaxSize: env.EDGE_CACHE_MAX_SIZE } : {}),
    ...(num('EDGE_VIDEO_RATE') ? { videoRate: num('EDGE_VIDEO_RATE')! } : {}),
    ...(num('EDGE_VIDEO_BURST') ? { videoBurst: num('EDGE_VIDEO_BURST')! } : {}),
    ...(num('EDGE_API_RATE') ? { apiRate: num('EDGE_API_RATE')! } : {}),
    ...(num('EDGE_API_BURST') ? { apiBurst: num('EDGE_API_BURST')! } : {}),
    ...(env.EDGE_ACCESS_LOG ? { accessLog: env.EDGE_ACCESS_LOG } : {}),
  };
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The prefix directory (cache, temp files, logs). */
  prefix: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground on `config` (a whole nginx.conf) in a fresh prefix
 * directory, resolving once `port` on 127.0.0.1 accepts connections; `stop` ends it
 * (SIGQUIT: graceful) and removes the prefix. Optionally pinned with taskset to `cpus`.
 */
export async function startNginx(config: string, port: number, options: { cpus?: string } = {}): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'twin-nginx-'));
  // Started as root, nginx runs its workers as another user (nobody), who must reach the cache under the prefix.
  await chmod(prefix, 0o755);
  const conf = join(prefix, 'nginx.conf');
  await writeFile(conf, config);
  const args = ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'];
  const [command, argv] = options.cpus ? ['taskset', ['-c', options.cpus, 'nginx', ...args]] : ['nginx', args];
  const child: ChildProcess = spawn(command, argv as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(prefix, { recursive: true, force: true });
      throw new Error(`nginx did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    prefix,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 right now (for a server that cannot be told to pick one, such as nginx). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

if (import.meta.main && process.argv[2] === 'render') {
  process.stdout.write(await renderEdgeConfig(edgeOptionsFromEnv()));
}
