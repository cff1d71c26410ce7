/**
 * The Fastify app factory every role uses: TypeBox schemas, strict body validation, the
 * error envelope for every failure, request ids, one log line and RED metrics per
 * request, and OpenAPI at /docs. Features register themselves as plugins on the result.
 */
import type { IncomingMessage } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import { LazyRequestLogger } from '../observability/request-logger.ts';
import { installErrorHandling } from './error-handler.ts';
import { RawRoutes, serverWithRawRoutes, type RawRoute } from './raw-routes.ts';
import { requestIdMinter } from './request-ids.ts';
import { addRouteHook } from './route-hooks.ts';
import { validatorCompiler } from './validation.ts';

type HttpRecorder = ReturnType<Metrics['httpRecorder']>;

export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  trustProxy: boolean;
  /** Shown in the OpenAPI document. */
  title?: string;
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Each app's raw routes, by its server (shared by every plugin scope of the app). */
const rawRoutesByServer = new WeakMap<object, RawRoutes>();

/** Answers requests of `route` before Fastify routes them (see raw-routes.ts); register the Fastify route too. */
export function addRawRoute(app: HttpApp, route: RawRoute): void {
  rawRoutesByServer.get(app.server)!.add(route);
}

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const mintRequestId = requestIdMinter();
  // Keep a sane client-supplied id so a request can be traced across services; else mint one.
  const requestIdFor = (req: IncomingMessage) => {
    const offered = req.headers['x-request-id'];
    return typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : mintRequestId();
  };
  const rawRoutes = new RawRoutes({ recorder: (url) => options.metrics.httpRecorder(url), requestId: requestIdFor, log: options.logger as FastifyBaseLogger });
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request, written by our onResponse hook with the route template.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, childOptions) => new LazyRequestLogger(logger as Logger, bindings, childOptions) as never,
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdFor,
    serverFactory: (handler, serverOptions) => serverWithRawRoutes(handler, serverOptions, rawRoutes),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);

  // While draining, answers in flight close their keep-alive connection, or close() would
  // wait out the client's idle connection (Fastify keeps them 72 s).
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
    rawRoutes.drain();
  });
  rawRoutesByServer.set(app.server, rawRoutes);
  // Hooks that run on every request are callback-style: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  // RED metrics and the access-log line. Each route gets its own recorder (it knows its
  // template without asking Fastify per request); unmatched URLs share one.
  const finish = (request: FastifyRequest, reply: FastifyReply, route: string, record: HttpRecorder) => {
    record(request.method, reply.statusCode, reply.elapsedTime / 1000);
    if ((request.log as Logger).isLevelEnabled('info')) {
      request.log.info({ method: request.method, route, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    }
  };
  app.addHook('onRoute', (route) => {
    const record = options.metrics.httpRecorder(route.url);
    addRouteHook(route, 'onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      finish(request, reply, route.url, record);
      done();
    });
  });
  const recordUnmatched = options.metrics.httpRecorder('unmatched');
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) finish(request, reply, 'unmatched', recordUnmatched);
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title ?? 'twin API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
