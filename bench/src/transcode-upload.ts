/**
 * The upload half of the `transcode` benchmark: one tus PATCH of `bytes` over loopback
 * against a raw stream write of the same bytes to the same disk, synced as the upload is. The tus client runs in a
 * worker thread, as a real client runs elsewhere: in the server's own thread it would
 * take event-loop time from the server it measures. Both sides stream one repeated random
 * block (no GiB buffer), 8 MiB at a time.
 * Run as a worker, this file is the client: it sends the PATCH and posts the status back.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DurableWriteStream, freeChunk } from '@twin/platform/blob';

const BLOCK_BYTES = 8 * 2 ** 20;

/** The same bytes, `total` long, as a stream of one repeated random block. */
export function repeatedBytes(block: Buffer, total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(block.length, total - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

/**
 * Seconds to stream `bytes` into `file` (then removed): `synced`, through the same
 * DurableWriteStream as the tus store, so the bytes are on the disk when it ends; else
 * left in the page cache.
 */
export async function rawWriteSec(file: string, bytes: number, { synced }: { synced: boolean }): Promise<number> {
  const block = randomBytes(BLOCK_BYTES);
  const started = performance.now();
  await pipeline(repeatedBytes(block, bytes), synced ? new DurableWriteStream(file, { flags: 'w' }) : createWriteStream(file));
  const sec = (performance.now() - started) / 1000;
  await rm(file);
  return sec;
}

/**
 * The state of free memory a write starts from, which on this machine sets a GiB write's
 * speed more than the disk does. Its hypervisor takes back free guest memory (virtio
 * free page reporting, 8 MiB blocks, ~2 s after they are freed), and touching a page it
 * took back costs a host fault: a synced 1 GiB write ran 1,200–1,460 MiB/s right after
 * another one's file was removed, and 370–520 MiB/s when it started 4 s later.
 * - cold: `sync`, then 4 s for freed memory to be reported: what a new upload meets on
 *   an idle machine here; the page cache copy is slow for every writer alike.
 * - warm: a GiB written to the page cache and removed just before, so the write reuses
 *   pages the host still backs, as on bare metal: the write is as fast as the CPU copies,
 *   and the ratio shows what the HTTP path costs in CPU.
 */
export type MemoryState = 'cold' | 'warm';

export async function startFrom(state: MemoryState, scratchFile: string, bytes: number): Promise<void> {
  execFileSync('sync');
  if (state === 'cold') await sleep(4000);
  else await rawWriteSec(scratchFile, bytes, { synced: false });
}

/**
 * A bare node:http server that streams each request body into a new file beside `file`
 * as the tus store does (synced before it answers 204, each chunk freed once written):
 * the most Node's own HTTP receive path delivers to disk here, a second reference for
 * tus. Without a file it reads each body and frees it: the most Node's HTTP receive path
 * delivers at all, the ceiling of any Node upload server.
 */
export async function bareHttpServer(file?: string): Promise<{ url: string; close(): Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    // Each body to a new file, removed once answered, as tus writes each upload's own file.
    const path = file && `${file}.${requests++}`;
    const received = path
      ? pipeline(req, new DurableWriteStream(path, { flags: 'wx', chunksHandedOver: true }))
      : pipeline(
          req,
          new Writable({
            write: (chunk: Buffer, _encoding, done) => {
              freeChunk(chunk);
              done();
            },
          }),
        );
    received
      .then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      )
      .finally(() => path && rm(path, { force: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface ClientJob {
  url: string;
  token: string;
  bytes: number;
}

/** Seconds for one tus PATCH of `bytes` at offset 0 to `url` (or the same request to a bare server), sent from a worker thread. */
export function tusPatchSec(job: ClientJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let started = 0;
    worker.on('message', (message: { ready?: true; status?: number; error?: string }) => {
      if (message.ready) {
        started = performance.now();
        worker.postMessage('go');
        return;
      }
      const sec = (performance.now() - started) / 1000;
      void worker.terminate();
      if (message.status === 204) resolve(sec);
      else reject(new Error(`tus PATCH: ${message.status ?? message.error}`));
    });
    worker.once('error', reject);
  });
}

function runClient(job: ClientJob): void {
  const block = randomBytes(BLOCK_BYTES);
  parentPort!.once('message', () => {
    const req = request(job.url, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${job.token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(job.bytes) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => parentPort!.postMessage({ status: res.statusCode }));
    });
    pipeline(repeatedBytes(block, job.bytes), req).catch((error: unknown) => parentPort!.postMessage({ error: String(error) }));
  });
  // The random block is made before the clock starts.
  parentPort!.postMessage({ ready: true });
}

if (!isMainThread && workerData) runClient(workerData as ClientJob);
