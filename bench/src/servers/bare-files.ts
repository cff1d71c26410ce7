/**
 * Reference server of the `origin` benchmark: bare node:http answering GETs for the files
 * under STATIC_DIR from memory, with the headers our origin sends (type, length, ETag,
 * Last-Modified, Cache-Control, CORS, a request id) and nothing else — no routing, no
 * access check, no log, no blob store. What Node's HTTP server delivers on its own here:
 * the ceiling of any origin written for it. Prints its port on the first stdout line.
 */
// The same V8 settings as the origin it is compared with.
import '@twin/platform/runtime-flags';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { join, relative } from 'node:path';
import { requestIdMinter } from '../../../platform/src/http/request-ids.ts';

const root = process.env.STATIC_DIR;
if (!root) throw new Error('STATIC_DIR is not set');

const TYPES: Record<string, string> = { m3u8: 'application/vnd.apple.mpegurl', m4s: 'video/iso.segment' };
const files = new Map<string, { body: Buffer; headers: OutgoingHttpHeaders }>();
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = join(entry.parentPath, entry.name);
  const body = readFileSync(path);
  const extension = entry.name.split('.').pop()!;
  files.set(`/${relative(root, path)}`, {
    body,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'content-length, content-range, accept-ranges, etag, last-modified, x-request-id',
      'content-type': TYPES[extension] ?? 'application/octet-stream',
      'content-length': body.length,
      'accept-ranges': 'bytes',
      etag: `"${createHash('sha256').update(body).digest('hex')}"`,
      'last-modified': statSync(path).mtime.toUTCString(),
      'cache-control': extension === 'm3u8' ? 'public, max-age=30' : 'public, max-age=31536000, immutable',
    },
  });
}

// Request ids minted by the platform's own minter, so both pay the same.
const mintRequestId = requestIdMinter();
const server = createServer((req, res) => {
  const file = files.get(req.url ?? '');
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { ...file.headers, 'x-request-id': mintRequestId() });
  res.end(file.body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
