/**
 * A file's stream written to a response. When the store says its chunks are the reader's
 * own (a local file's reads), each is freed as soon as the socket has taken it: left to
 * the collector, a segment's 1 MiB read buffers went back to the system between bursts of
 * requests, and each new one was faulted in again by the read that filled it (`perf`:
 * the faults were all in pread's copy); the first seconds of a burst after 28 s idle
 * served 0.5-0.8× the segments of a busy origin.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freeChunk } from '@twin/platform/blob';

const prematureClose = () => Object.assign(new Error('the client closed the connection'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * Pipes `body` into `res` and ends it, as `pipeline` does; with `ownChunks`, frees each
 * chunk once written. Chunks are taken as `data` events, one read each (an async iterator
 * would join the chunks buffered at once into a new Buffer: a copy, and the reads' own
 * buffers left to the collector).
 */
export function sendBody(body: Readable, res: ServerResponse, ownChunks: boolean): Promise<void> {
  if (!ownChunks) return pipeline(body, res);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (!res.write(chunk, () => freeChunk(chunk))) body.pause();
    };
    const onDrain = () => body.resume();
    const onEnd = () => {
      stop();
      res.end();
      resolve();
    };
    const fail = (error: Error) => {
      stop();
      body.destroy();
      reject(error);
    };
    const onError = (error: Error) => fail(error);
    const onClose = () => fail(prematureClose());
    const stop = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      res.off('drain', onDrain).off('close', onClose);
    };
    if (res.destroyed) return fail(prematureClose());
    body.on('data', onData).on('end', onEnd).on('error', onError);
    res.on('drain', onDrain).on('close', onClose);
  });
}
