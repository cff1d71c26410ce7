/**
 * Pads a large response the nginx edge will cache so that, in the edge's cache file, the
 * body starts on a page boundary.
 *
 * nginx stores a cached response as its own fixed header, the cache key, the response's
 * header block as the origin sent it, then the body, and serves a HIT with sendfile from
 * the body's offset. From an offset that is not a multiple of the page size, sendfile ran
 * at about 0.6× here: a 2 MB segment through the edge served 0.51–0.65× what nginx serves
 * from a plain file, and 1.03–1.15× once aligned. nginx cannot align the body itself, nor
 * count bytes in its configuration. So the edge names what precedes the response in the
 * file (`X-Edge-Cache-Prefix: <its header bytes> <cache key>`), and the origin, which
 * knows its own header block, adds an `X-Edge-Pad` header of the length that ends the
 * block on the boundary. The edge hides the pad from clients. A wrong count costs speed
 * only: the bytes served are the same.
 */
import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';

/** Response headers as Fastify and Node hold them. */
type Headers = Readonly<Record<string, string | number | readonly string[] | undefined>>;
/** What of the HTTP server decides the Keep-Alive line Node adds. */
type KeepAliveSettings = Pick<Server, 'keepAliveTimeout' | 'maxRequestsPerSocket'>;

/** The request header the edge sends on cacheable requests. */
export const PREFIX_HEADER = 'x-edge-cache-prefix';
/** The response header that carries the padding. */
export const PAD_HEADER = 'x-edge-pad';

const PAGE_BYTES = 4096;
/** `x-edge-pad: ` and the line's CRLF, around the pad itself. */
const PAD_LINE_BYTES = PAD_HEADER.length + 4;
/**
 * Smaller bodies are not padded: a pad of up to a page would grow a playlist's cache
 * entry several times over, for a sendfile too short to feel the offset.
 */
export const MIN_ALIGNED_BODY_BYTES = 64 * 1024;

/** Bytes before the response in the cache file, from the edge's header; undefined when absent or malformed. */
export function cachePrefixBytes(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^(\d{1,4}) (.+)$/s.exec(header);
  // Header values reach Node as latin1, one character per byte the edge sent.
  return match ? Number(match[1]) + match[2]!.length : undefined;
}

/**
 * The pad's length that makes `prefixBytes` + the header block (`headBytes`, without the
 * pad) + the pad's line end on the first page boundary; undefined when the block is
 * already aligned or the pad cannot fit before that boundary (the edge reads a response's
 * headers into one buffer of 8 KiB, so the block is never pushed past the first page).
 */
export function padLength(prefixBytes: number, headBytes: number): number | undefined {
  const end = prefixBytes + headBytes;
  if (end % PAGE_BYTES === 0) return undefined;
  const pad = PAGE_BYTES - end - PAD_LINE_BYTES;
  return pad >= 0 ? pad : undefined;
}

/**
 * The bytes of the header block Node's http server writes for `res` with these headers:
 * the status line, one line per header value, the lines it adds itself (Date, Connection,
 * Keep-Alive: `_storeHeader` in Node's lib/_http_outgoing.js, for a response with a
 * Content-Length), and the blank line.
 */
export function headBytes(res: ServerResponse, status: number, headers: Headers, server: KeepAliveSettings): number {
  let bytes = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`.length + 2;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) bytes += name.length + 2 + String(one).length + 2;
  }
  if (res.sendDate && headers.date === undefined) bytes += 'Date: \r\n'.length + new Date().toUTCString().length;
  if (headers.connection === undefined) {
    if (!res.shouldKeepAlive) bytes += 'Connection: close\r\n'.length;
    else {
      bytes += 'Connection: keep-alive\r\n'.length;
      const max = (server.maxRequestsPerSocket ?? 0) > 0 ? `, max=${server.maxRequestsPerSocket}` : '';
      if (server.keepAliveTimeout > 0) bytes += `Keep-Alive: timeout=${Math.floor(server.keepAliveTimeout / 1000)}${max}\r\n`.length;
    }
  }
  return bytes;
}

/**
 * The pad for a whole-file 200 of at least MIN_ALIGNED_BODY_BYTES requested by the edge;
 * undefined for any other response. Call it once every other header is set; the response
 * headers are read only for a request from the edge (collecting them costs every request).
 */
export function padForEdgeCache(requestHeaders: Record<string, string | string[] | undefined>, res: ServerResponse, status: number, responseHeaders: () => Headers, server: KeepAliveSettings): string | undefined {
  const prefix = cachePrefixBytes(requestHeaders[PREFIX_HEADER]);
  if (prefix === undefined || status !== 200) return undefined;
  const headers = responseHeaders();
  if (Number(headers['content-length'] ?? 0) < MIN_ALIGNED_BODY_BYTES) return undefined;
  const pad = padLength(prefix, headBytes(res, status, headers, server));
  return pad === undefined ? undefined : 'x'.repeat(pad);
}
