/**
 * One file of a video answered from the blob seam, as an HTTP response without the HTTP
 * server: 200 with the body streamed, 206 for one byte range, 304 when the client's copy
 * is current, HEAD without opening the body, 416 for a range past the end. Validators
 * (strong ETag, Last-Modified) are the blob's own, so every origin node answers alike and
 * an edge can revalidate with a 304 that carries no bytes.
 *
 * A plain GET (the common case: a player fetching a segment) costs one `get`. Conditional
 * and ranged requests look first (`head`), then open the range; should the object be
 * replaced in between (a master rewritten for a caption), the answer is decided again on
 * the new version, so validators and bytes always belong to the same one.
 */
import type { Readable } from 'node:stream';
import { AppError } from '@twin/platform';
import { BlobNotFoundError, BlobRangeNotSatisfiableError, InvalidBlobKeyError, type BlobInfo, type BlobRead, type BlobStore } from '@twin/platform/blob';
import { videoErrors } from '../errors.ts';
import { cacheHeaders, type CachePolicyOptions } from './cache-policy.ts';
import { ifRangeHolds, isNotModified } from './conditional.ts';
import { parseRange } from './http-range.ts';

export interface FileRequest {
  method: 'GET' | 'HEAD';
  range?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifRange?: string | undefined;
}

export interface FileResponse {
  status: 200 | 206 | 304;
  /** Shared between answers of one stored version: copy before adding to them. */
  headers: Readonly<Record<string, string>>;
  /** The bytes to send (GET 200/206): in memory when the blob store read them whole, else a stream the caller must send or destroy. */
  body?: Readable | Buffer;
  /** The stream's chunks are buffers nothing else holds, to be freed once sent (BlobRead.ownChunks). */
  ownChunks?: boolean;
}

const notFound = () => new AppError(videoErrors.video_file_not_found);

function validators(info: BlobInfo, file: string, policy: CachePolicyOptions): Record<string, string> {
  return { etag: info.etag, 'last-modified': info.lastModified.toUTCString(), ...cacheHeaders(file, policy) };
}

function entityHeaders(info: BlobInfo, file: string, policy: CachePolicyOptions, length: number): Record<string, string> {
  return {
    'content-type': info.contentType ?? 'application/octet-stream',
    'content-length': String(length),
    'accept-ranges': 'bytes',
    ...validators(info, file, policy),
  };
}

/**
 * The headers of a whole-file 200, made once per stored version: a remembered small file
 * (a hot playlist) is answered many times a second with the same ones.
 */
const wholeFileHeaders = new WeakMap<BlobInfo, Readonly<Record<string, string>>>();
function wholeHeaders(info: BlobInfo, file: string, policy: CachePolicyOptions): Readonly<Record<string, string>> {
  let headers = wholeFileHeaders.get(info);
  if (!headers) wholeFileHeaders.set(info, (headers = entityHeaders(info, file, policy, info.size)));
  return headers;
}

/** Maps the seam's failures to the client's: a key that cannot exist is simply not there. */
async function guard<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof BlobNotFoundError || error instanceof InvalidBlobKeyError) throw notFound();
    throw error;
  }
}

/** A small file as its Buffer (one write, no stream to pipe), else the stream, with whether its chunks are the reader's own. */
const bodyOf = (read: BlobRead): Pick<FileResponse, 'body' | 'ownChunks'> => (read.bytes ? { body: read.bytes } : { body: read.body, ownChunks: read.ownChunks === true });

export async function serveFile(blob: Pick<BlobStore, 'get' | 'head'>, key: string, file: string, request: FileRequest, policy: CachePolicyOptions): Promise<FileResponse> {
  const conditional = request.ifNoneMatch !== undefined || request.ifModifiedSince !== undefined;
  // Range is defined for GET only (RFC 9110 §14.2); HEAD ignores it.
  const ranged = request.method === 'GET' && request.range !== undefined;
  if (request.method === 'GET' && !conditional && !ranged) {
    const read = await guard(() => blob.get(key));
    return { status: 200, headers: wholeHeaders(read.info, file, policy), ...bodyOf(read) };
  }
  // Once more at most: a second replacement within one request is not worth chasing.
  for (let attempt = 0; ; attempt++) {
    const info = await guard(() => blob.head(key));
    if (!info) throw notFound();
    if (isNotModified({ 'if-none-match': request.ifNoneMatch, 'if-modified-since': request.ifModifiedSince }, info)) {
      return { status: 304, headers: validators(info, file, policy) };
    }
    if (request.method === 'HEAD') return { status: 200, headers: wholeHeaders(info, file, policy) };
    const range = ranged && ifRangeHolds(request.ifRange, info) ? parseRange(request.range, info.size) : { kind: 'whole' as const };
    if (range.kind === 'unsatisfiable') {
      throw new AppError(videoErrors.range_not_satisfiable, undefined, { headers: { 'content-range': `bytes */${info.size}`, ...validators(info, file, policy) } });
    }
    let read;
    try {
      read = await guard(() => blob.get(key, range.kind === 'range' ? { range: { start: range.start, end: range.end } } : {}));
    } catch (error) {
      // Replaced by a shorter object since the head: decide again on what is there now.
      if (error instanceof BlobRangeNotSatisfiableError && attempt === 0) continue;
      if (error instanceof BlobRangeNotSatisfiableError) throw new AppError(videoErrors.range_not_satisfiable, undefined, { headers: { 'content-range': `bytes */${error.size}` } });
      throw error;
    }
    if (read.info.etag !== info.etag && attempt === 0) {
      if (!read.bytes) read.body.destroy();
      continue;
    }
    if (range.kind === 'whole' || !read.range) return { status: 200, headers: wholeHeaders(read.info, file, policy), ...bodyOf(read) };
    const { start, end } = read.range;
    return {
      status: 206,
      headers: { ...entityHeaders(read.info, file, policy, end - start + 1), 'content-range': `bytes ${start}-${end}/${read.info.size}` },
      ...bodyOf(read),
    };
  }
}
