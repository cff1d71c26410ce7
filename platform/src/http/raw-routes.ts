/**
 * Routes answered by `node:http` itself, before Fastify sees the request: for a hot path
 * whose answer is a file, like the video origin's playlists and segments, where Fastify's
 * per-request machinery (routing, request and reply objects, hooks, schema checks) cost
 * about a third of the throughput. They keep what every route gets: a request id and its
 * header, RED metrics under the route's template, the error envelope, failures logged.
 *
 * A raw route is an accelerator of a Fastify route that stays registered with the same
 * answer: Fastify documents it (OpenAPI), serves it to `inject`, and serves it while the
 * server drains (keep-alive closing, 503 once closed), when raw routes stand aside.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyError, FastifyServerOptions } from 'fastify';
import type { HttpRecorder } from '../observability/http-metrics.ts';
import { ENVELOPE_CONTENT_TYPE, errorEnvelope, logged } from './error-handler.ts';

export interface RawRoute {
  /** The Fastify route's URL template, the label of its metrics (e.g. `/v/:id/*`). */
  readonly url: string;
  /** Requests with one of these methods and a path starting with `prefix` are answered here. */
  readonly methods: readonly string[];
  readonly prefix: string;
  /** Headers on every answer of the route, errors included (CORS). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Writes the answer, its head with `exchange.headers(…)`, and resolves once it is
   * written; throws, before writing, to answer with the error envelope.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse, exchange: RawExchange) => Promise<void>;
}

export interface RawExchange {
  readonly requestId: string;
  /**
   * `own` with the headers every answer of the route carries (the route's, the request
   * id), as one object for one `res.writeHead` call: Node takes its fast path only when
   * no header was set before (`setHeader` first sends every header through it).
   */
  headers(own: Readonly<Record<string, string>>): Record<string, string>;
}

interface Entry {
  route: RawRoute;
  record: HttpRecorder;
}

export class RawRoutes {
  readonly #entries: Entry[] = [];
  readonly #recorder: (url: string) => HttpRecorder;
  readonly #requestId: (req: IncomingMessage) => string;
  readonly #log: FastifyBaseLogger;
  #draining = false;

  constructor(o: { recorder: (url: string) => HttpRecorder; requestId: (req: IncomingMessage) => string; log: FastifyBaseLogger }) {
    this.#recorder = o.recorder;
    this.#requestId = o.requestId;
    this.#log = o.log;
  }

  add(route: RawRoute): void {
    this.#entries.push({ route, record: this.#recorder(route.url) });
  }

  /** From now on every request goes to Fastify, which closes keep-alive connections while draining. */
  drain(): void {
    this.#draining = true;
  }

  /** True when a raw route took the request; false leaves it to Fastify. */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#draining) return false;
    const entry = this.#entries.find(({ route }) => req.url!.startsWith(route.prefix) && route.methods.includes(req.method!));
    if (!entry) return false;
    void this.#answer(entry, req, res);
    return true;
  }

  async #answer({ route, record }: Entry, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = this.#requestId(req);
    const exchange: RawExchange = { requestId, headers: (own) => ({ ...route.headers, ...own, 'x-request-id': requestId }) };
    try {
      await route.handle(req, res, exchange);
    } catch (error) {
      this.#fail(res, exchange, error as FastifyError);
    }
    record(req.method!, res.statusCode, (performance.now() - started) / 1000);
  }

  #fail(res: ServerResponse, exchange: RawExchange, error: FastifyError): void {
    const log = this.#log.child({ reqId: exchange.requestId });
    if (res.headersSent) {
      // Too late for an envelope once the head is out: the response is cut short. A client
      // that went away mid-body (a player seeking) is no failure here.
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') logged(error, log);
      return void res.destroy();
    }
    const appError = logged(error, log);
    const body = JSON.stringify(errorEnvelope(appError, exchange.requestId));
    res.writeHead(appError.spec.status, exchange.headers({ ...appError.headers, 'content-type': ENVELOPE_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(body)) }));
    res.end(body);
  }
}

/** The HTTP/1.1 server Fastify makes itself (`getServerInstance` in its lib/server.js), with the raw routes in front of its handler. */
export function serverWithRawRoutes(handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions, raw: RawRoutes): Server {
  const server = createServer((req, res) => {
    if (!raw.dispatch(req, res)) handler(req, res);
  });
  server.keepAliveTimeout = options.keepAliveTimeout!;
  server.requestTimeout = options.requestTimeout!;
  server.setTimeout(options.connectionTimeout!);
  if ((options.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
  return server;
}
