/**
 * Hands a Node request to tus-node-server as a web Request and writes its web Response
 * back, instead of `server.handle(req, res)`. The difference is the body: tus's own bridge
 * (srvx over Node's `Readable.toWeb`) copies every received chunk into a fresh
 * ArrayBuffer, which for a multi-GB upload is as many bytes again of allocation and most
 * of the upload's garbage-collection time; here chunks pass by reference. A client that
 * goes away mid-body ends the stream instead of failing it, as tus's own abort handling
 * does, so the datastore keeps what arrived (S3: the partial part) and the upload resumes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@tus/server';

export async function handleTus(tus: Server, req: IncomingMessage, res: ServerResponse, onRequest: (request: Request) => void): Promise<void> {
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers: nodeHeaders(req),
    ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: bodyOf(req), duplex: 'half' }),
  } as RequestInit);
  onRequest(request);
  const response = await tus.handleWeb(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
}

function nodeHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** The request body as a web stream of the received Buffers themselves (no copy), with backpressure. */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const finish = () => {
          if (done) return;
          done = true;
          controller.close();
        };
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', finish);
        // A dropped connection ('error', or 'close' before the end): keep what arrived.
        req.once('error', finish);
        req.once('close', finish);
      },
      pull() {
        req.resume();
      },
      cancel() {
        done = true;
        req.resume(); // drain what is left so the socket can answer
      },
    },
    { highWaterMark: 1024 * 1024, size: (chunk) => chunk.byteLength },
  );
}
