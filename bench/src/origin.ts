/**
 * The `origin` benchmark: requests/s and GB/s for a 2 MB segment and a 1 KB playlist over
 * keep-alive connections, from (a) our origin alone (the full platform stack reading the
 * blob store), (b) the nginx edge of deploy/nginx with a warm cache, by a public and by a
 * signed URL, (c) nginx serving the same files from disk, and (d) bare node:http serving
 * them from memory (servers/bare-files.ts: the ceiling of any origin on Node), all in one
 * run. Each of (a), (b) and (d) is measured in short slices back to back with (c), and its
 * ratio is the median of those pairs' ratios. The load is wrk (wrk-load.ts), the
 * one client here that keeps up with nginx. Each server runs pinned to core 1 and
 * wrk to core 0 when taskset allows (the edge's origin sits idle while the edge is
 * measured: every request is a cache HIT).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, renderEdgeConfig, startNginx, type RunningNginx } from '../../deploy/nginx/edge.ts';
import type { VideoId } from '../../video/server/src/ids.ts';
import { signedBase } from '../../video/server/src/playback/index.ts';
import { startChild } from './chat-process.ts';
import { pinned } from './http-load.ts';
import { median, printTable, writeReport } from './report.ts';
import { wrkLoad } from './wrk-load.ts';

type Target = 'origin' | 'edge' | 'edge_signed' | 'static' | 'node';
type File = 'segment' | 'playlist';
const TARGETS: Target[] = ['static', 'edge', 'edge_signed', 'origin', 'node'];
const CONNECTIONS: Record<File, number> = { segment: 10, playlist: 50 };

interface Sample {
  rps: number;
  bytesPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(file: File, url: string, seconds: number): Promise<Sample> {
  const result = await wrkLoad(url, CONNECTIONS[file], seconds);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requestsPerSecond, bytesPerSecond: result.bytesPerSecond, p50: result.latencyP50Ms, p99: result.latencyP99Ms };
}

/** The origin in its own process (pinned like the nginx servers), with its video; resolves once it listens. */
async function startOrigin(staticDir: string) {
  const script = join(import.meta.dirname, 'servers', 'video-origin.ts');
  const [command, args] = pinned ? ['taskset', ['-c', '1', process.execPath, script]] : [process.execPath, [script]];
  const child = spawn(command as string, args as string[], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, STATIC_DIR: staticDir } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the origin exited with ${code} before listening`)));
  });
  const info = JSON.parse(line) as { port: number; videoId: VideoId; secret: string; files: Record<File, string>; playlistBytes: number };
  return {
    ...info,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** nginx serving `root` from disk, tuned as the edge is (one worker, sendfile, long keep-alive, no access log). */
function staticConfig(port: number, root: string): string {
  return `worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 100000;
    types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
    server {
        listen 127.0.0.1:${port} backlog=4096;
        root ${root};
        etag on;
        location ~ \\.m3u8$ { add_header Cache-Control "public, max-age=30"; }
        location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
    }
}
`;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const runs = quick ? 2 : 8;
  const seconds = quick ? 2 : 4;
  const staticDir = await mkdtemp(join(tmpdir(), 'bench-origin-static-'));
  await chmod(staticDir, 0o755); // nginx workers run as another user when started as root
  const origin = await startOrigin(staticDir);
  const nginxCpus = pinned ? { cpus: '1' } : {};
  const servers: Array<Pick<RunningNginx, 'stop'>> = [];
  try {
    // Started once the origin has written the files it serves.
    const bareNode = await startChild(join(import.meta.dirname, 'servers', 'bare-files.ts'), { core: 1, env: { STATIC_DIR: staticDir } });
    servers.push(bareNode);
    const edgePort = await freePort();
    const edge = await startNginx(
      await renderEdgeConfig({ listen: `127.0.0.1:${edgePort}`, origins: [`127.0.0.1:${origin.port}`], playbackSecret: origin.secret, workers: 1, videoRate: 1_000_000, videoBurst: 1_000_000, cacheMaxSize: '1g' }),
      edgePort,
      nginxCpus,
    );
    servers.push(edge);
    const staticPort = await freePort();
    const disk = await startNginx(staticConfig(staticPort, staticDir), staticPort, nginxCpus);
    servers.push(disk);

    const signed = signedBase(origin.secret, origin.videoId, Math.floor(Date.now() / 1000) + 86_400);
    const urlOf = (target: Target, file: File): string => {
      const name = origin.files[file];
      switch (target) {
        case 'origin':
          return `http://127.0.0.1:${origin.port}/v/${origin.videoId}/hls/${name}`;
        case 'edge':
          return `${edge.url}/v/${origin.videoId}/hls/${name}`;
        case 'edge_signed':
          return `${edge.url}${signed}hls/${name}`;
        case 'static':
          return `${disk.url}/v/${origin.videoId}/hls/${name}`;
        case 'node':
          return `http://127.0.0.1:${bareNode.port}/v/${origin.videoId}/hls/${name}`;
      }
    };

    // Warm the edge cache and check that it is warm: a second request must be a HIT.
    for (const target of ['edge', 'edge_signed'] as const) {
      for (const file of Object.keys(CONNECTIONS) as File[]) {
        for (let i = 0; i < 2; i++) {
          const res = await fetch(urlOf(target, file));
          await res.arrayBuffer();
          if (i === 1 && res.headers.get('x-cache-status') !== 'HIT') throw new Error(`${urlOf(target, file)} is not cached: ${res.headers.get('x-cache-status')}`);
        }
      }
    }

    console.log(`origin: 2 MB segment (${CONNECTIONS.segment} connections) and ${origin.playlistBytes} B playlist (${CONNECTIONS.playlist} connections), keep-alive, ${runs} rounds of ${seconds} s slices${pinned ? '; servers on core 1, wrk on core 0' : ''}`);
    // Each target is measured back to back with nginx static (the order flips every round),
    // and its ratio is the median of those pairs' own ratios: this machine's speed drifts by
    // tens of percent between minutes, far less within a pair of short slices.
    const samples = new Map<string, Sample[]>();
    const pairRatios = new Map<string, number[]>();
    const append = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
    for (const file of Object.keys(CONNECTIONS) as File[]) for (const target of TARGETS) await measure(file, urlOf(target, file), 1); // warm-up: JIT, connections, page cache
    for (let round = 0; round < runs; round++) {
      for (const file of Object.keys(CONNECTIONS) as File[]) {
        for (const target of TARGETS.filter((t) => t !== 'static')) {
          const pair: Partial<Record<Target, Sample>> = {};
          for (const which of round % 2 ? [target, 'static' as const] : ['static' as const, target]) pair[which] = await measure(file, urlOf(which, file), seconds);
          const ours = pair[target]!;
          const disk = pair.static!;
          append(samples, `${target}_${file}`, ours);
          append(samples, `static_${file}`, disk);
          append(pairRatios, `${target}_${file}`, ours.rps / disk.rps);
          console.log(`  round ${round + 1}/${runs} ${file.padEnd(8)} ${target.padEnd(11)} ${Math.round(ours.rps).toLocaleString('en-US').padStart(8)} req/s against static ${Math.round(disk.rps).toLocaleString('en-US').padStart(8)}: ${(ours.rps / disk.rps).toFixed(2)}×`);
        }
      }
    }

    const metrics: Record<string, number> = {};
    const baseline: Record<string, number> = {};
    const ratio: Record<string, number> = {};
    const rows: Parameters<typeof printTable>[0] = [];
    for (const file of Object.keys(CONNECTIONS) as File[]) {
      const figures = (target: Target) => {
        const list = samples.get(`${target}_${file}`)!;
        return { rps: median(list.map((s) => s.rps)), gbps: median(list.map((s) => s.bytesPerSecond)) / 1e9, p50: median(list.map((s) => s.p50)), p99: median(list.map((s) => s.p99)) };
      };
      const disk = figures('static');
      Object.assign(baseline, { [`static_${file}_rps`]: disk.rps, [`static_${file}_gb_per_s`]: disk.gbps, [`static_${file}_p99_ms`]: disk.p99 });
      for (const target of TARGETS.filter((t) => t !== 'static')) {
        const ours = figures(target);
        Object.assign(metrics, { [`${target}_${file}_rps`]: ours.rps, [`${target}_${file}_gb_per_s`]: ours.gbps, [`${target}_${file}_p50_ms`]: ours.p50, [`${target}_${file}_p99_ms`]: ours.p99 });
        const pairs = pairRatios.get(`${target}_${file}`)!;
        const pairMedian = median(pairs);
        ratio[`${target}_vs_static_${file}`] = pairMedian;
        ratio[`${target}_vs_static_${file}_min`] = Math.min(...pairs);
        ratio[`${target}_vs_static_${file}_max`] = Math.max(...pairs);
        rows.push({ metric: `${file} ${target.replace('_', ' ')} vs nginx static (median of pairs)`, ours: ours.rps, baseline: disk.rps, ratio: pairMedian, unit: 'req/s' });
        rows.push({ metric: `${file} ${target.replace('_', ' ')} vs nginx static`, ours: ours.gbps, baseline: disk.gbps, unit: 'GB/s' });
      }
      // The origin against Node's own ceiling, round by round (measured seconds apart).
      const originRounds = samples.get(`origin_${file}`)!;
      const nodeRounds = samples.get(`node_${file}`)!;
      const ofNode = median(originRounds.map((o, i) => o.rps / nodeRounds[i]!.rps));
      ratio[`origin_vs_node_${file}`] = ofNode;
      rows.push({ metric: `${file} origin vs bare node:http (median of rounds)`, ours: figures('origin').rps, baseline: figures('node').rps, ratio: ofNode, unit: 'req/s' });
    }
    console.log('');
    printTable(rows);
    const path = writeReport({
      name: 'origin',
      runs,
      metrics,
      baseline,
      ratio,
      notes: [
        `${runs} rounds; in each, every target is measured for ${seconds} s back to back with nginx static (which goes first flips every round), and a ratio is the median of those pairs' own ratios (_min and _max: their spread); req/s, GB/s and latencies are medians over the rounds. All over keep-alive connections driven by wrk (one thread): the ${origin.playlistBytes} B playlist with ${CONNECTIONS.playlist} connections, the 2 MB segment with ${CONNECTIONS.segment}. Records before 2026-12-06 took 3 runs of 10 s per target and the ratio of the medians, which this machine's drift between minutes moved by ±30%.`,
        `${pinned ? 'Each server pinned to core 1 (nginx: one worker), wrk pinned to core 0' : 'Not pinned (taskset unavailable)'}; absolute figures move with other work on the machine (see loadAverage) — the ratios, measured in the same rounds, are the result.`,
        'origin: the full platform stack (ROLE=api, embedded engines, one pino access line per request to /dev/null): route, video status and visibility (remembered 1 s), files of up to 64 KiB remembered 1 s in memory (origin/recent-files.ts), larger ones from the blob seam (local directory: open, sidecar etag, stream).',
        'node: bare node:http answering the same files from memory with the origin\'s headers and nothing else (no routing, access check, log or blob store; servers/bare-files.ts), pinned like the others: what Node\'s HTTP server delivers by itself here. origin_vs_node_*: the origin over it, the median of the rounds\' ratios.',
        'edge: deploy/nginx/edge.conf.template with a warm cache (every request a HIT), public URL and signed URL (secure_link MD5 per request); limit_req on with a rate too high to trigger; cache-file descriptors kept open (open_file_cache). static: nginx serving the same files from disk with sendfile.',
      ],
    });
    console.log(`\nwrote ${path}`);
  } finally {
    for (const server of servers) await server.stop();
    await origin.stop();
    await rm(staticDir, { recursive: true, force: true });
  }
}
