/**
 * A video's source, as validation reads it through the blob seam. On a local store it is
 * the store's own file. Elsewhere (S3) ffmpeg and ffprobe get a URL on a private loopback
 * HTTP server that answers Range requests from `blob.get(key, { range })`, so they seek
 * in the object as in a file and only the bytes they read travel (a header, an index,
 * the last seconds), not the whole multi-GB upload; the URL carries a random token and
 * lives only for the validation. No credentials end up in ffmpeg's command line.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '@twin/platform/blob';
import { fileInput, type MediaInput } from '../media/index.ts';

export interface SourceInput {
  readonly input: MediaInput;
  close(): Promise<void>;
}

/** The object under `key` as a MediaInput; undefined when there is no such object. */
export async function openSourceInput(blob: BlobStore, key: string): Promise<SourceInput | undefined> {
  const local = blob.localPath(key);
  if (local) {
    const input = await fileInput(local).catch(() => undefined);
    return input && { input, close: async () => undefined };
  }
  const info = await blob.head(key);
  if (!info) return undefined;
  const size = info.size;
  const served = await serveOnLoopback(blob, key, size);
  return {
    input: {
      location: served.url,
      size,
      async read(offset, length) {
        if (offset >= size || length <= 0) return new Uint8Array(0);
        const { body } = await blob.get(key, { range: { start: offset, end: Math.min(size, offset + length) - 1 } });
        return buffer(body);
      },
    },
    close: served.close,
  };
}

async function serveOnLoopback(blob: BlobStore, key: string, size: number): Promise<{ url: string; close(): Promise<void> }> {
  const path = `/${randomBytes(16).toString('hex')}`;
  const server = createServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(404).end();
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    const { start, end } = range ?? { start: 0, end: size - 1 };
    res.writeHead(range ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(Math.max(0, end - start + 1)),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) return void res.end();
    const { body } = await blob.get(key, { range: { start, end } });
    // ffmpeg drops the connection when it seeks: that ends this read, not the server.
    await pipeline(body, res).catch(() => undefined);
  };
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `bytes=a-b` or `bytes=a-` (what ffmpeg sends); undefined for no or an unusable header. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
