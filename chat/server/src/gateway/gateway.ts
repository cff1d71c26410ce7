/**
 * The WebSocket gateway at GET /v1/chat/ws (subprotocol `twin-chat.v1`, protocol v1 in
 * @twin/chat-protocol).
 *
 * Why `ws` on the HTTP server's 'upgrade' event rather than @fastify/websocket: the
 * plugin routes every upgrade through Fastify's request pipeline and keeps the Fastify
 * request, a ServerResponse and a `clients` Set entry alive for the socket's whole life —
 * kilobytes per idle socket for nothing, since authentication happens in-band (the first
 * frame), not in HTTP hooks. Here the upgrade goes straight to a `noServer` WebSocketServer
 * with `clientTracking` and `perMessageDeflate` off (deflate would add a zlib context per
 * socket), `maxPayload` = MAX_FRAME_BYTES (ws closes with 1009 beyond it), and we keep our
 * own registry. A plain GET on the path answers 426 through Fastify so the route is in the
 * OpenAPI document.
 *
 * Connection state machine and error policy:
 * - open → the first frame must be `auth` within the auth timeout, else close 4001
 *   (`auth_timeout`). A rejected token → `error` + close 4001; a removed device → close 4003.
 * - Protocol violations → an `error` frame (`protocol_violation`), then close 1008: a frame
 *   that is not JSON, not an object, binary, has no or an unknown `type`; any frame but
 *   `auth` before authentication; a second `auth`; an `auth` that breaks its schema.
 * - Recoverable (an `error` frame with the frame's ref — for `send`, its clientMessageId —
 *   and the socket stays open): a known frame type whose fields break its schema
 *   (`validation_failed`), a body over 64 KiB (`payload_too_large`), too many sends in
 *   flight, and every failure the core reports (`not_a_member`, `conversation_not_found`…).
 * - A frame over MAX_FRAME_BYTES → 1009; invalid UTF-8 → 1007 (both by ws).
 * - Heartbeats: the server pings every socket each heartbeat interval; a socket from which
 *   nothing arrived (no frame, no pong) for the idle timeout is closed with 4008. One
 *   interval scans all sockets: no timer per socket.
 * - The sending device receives its own messages in `deliver` too (fan-out is to every
 *   device of every member); the SDK dedupes them by (conversationId, seq).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, GATEWAY_PATH, MAX_FRAME_BYTES, PROTOCOL_VERSION, SUBPROTOCOL, type AccountId, type ClientFrameOf, type DeviceId } from '@twin/chat-protocol';
import { AppError, platformErrors, type HttpApp, type Logger } from '@twin/platform';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppendResult, ChatCore, DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import type { DeliveryHub } from '../delivery/delivery-hub.ts';
import { DeviceStream } from '../delivery/device-stream.ts';
import type { SendBatcher } from '../delivery/send-batcher.ts';
import type { AccountPresence, PresenceRegistry } from '../presence/presence-registry.ts';
import type { TypingEvent, TypingRelay } from '../presence/typing-relay.ts';
import { realtimeErrors } from './errors.ts';
import { frameHandlers, type FrameContext } from './frame-handlers.ts';
import { parseClientFrame } from './frame-parser.ts';
import type { RealtimeMetrics } from './metrics.ts';
import { SocketSession } from './socket-session.ts';

export interface GatewayOptions {
  readonly core: ChatCore;
  readonly hub: DeliveryHub;
  readonly sends: SendBatcher;
  readonly presence: PresenceRegistry;
  readonly typing: TypingRelay;
  readonly metrics: RealtimeMetrics;
  readonly logger: Logger;
  readonly authTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly stuckTimeoutMs: number;
  readonly maxPendingSends: number;
  readonly isShuttingDown: () => boolean;
}

export class Gateway {
  readonly #options: GatewayOptions;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<SocketSession>();
  readonly #byDevice = new Map<DeviceId, Set<SocketSession>>();
  readonly #presenceFollowers = new Map<string, Set<SocketSession>>();
  readonly #frameContext: FrameContext;
  #heartbeat: NodeJS.Timeout | undefined;
  #nextKey = 0;
  #closing = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.#frameContext = {
      core: options.core,
      sends: options.sends,
      presence: options.presence,
      typing: options.typing,
      maxPendingSends: options.maxPendingSends,
      followPresence: (session, accountIds) => this.#follow(session, accountIds),
      onError: (error, context) => options.logger.error({ err: error, context }, 'gateway error'),
    };
  }

  /** Open sockets on this node (authenticated or not). */
  get openSockets(): number {
    return this.#sessions.size;
  }

  /** Attaches to the app's HTTP server and starts the heartbeat scan. */
  attach(app: HttpApp): void {
    const server = app.server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(server, request, socket, head));
    this.#heartbeat = setInterval(() => this.#scan(), Math.max(20, Math.min(this.#options.heartbeatMs, this.#options.idleTimeoutMs / 2)));
    this.#heartbeat.unref();
  }

  #upgrade(server: NodeJS.EventEmitter, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== GATEWAY_PATH) {
      // Another upgrade listener may own this path; alone, we refuse it.
      if (server.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (this.#closing || this.#options.isShuttingDown()) return rejectUpgrade(socket, 503, 'Service Unavailable');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(SUBPROTOCOL)) return rejectUpgrade(socket, 400, 'Bad Request', `The WebSocket subprotocol ${SUBPROTOCOL} is required.`);
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
  }

  #accept(ws: WebSocket): void {
    const metrics = this.#options.metrics;
    const session = new SocketSession(ws, (++this.#nextKey).toString(36), metrics);
    this.#sessions.add(session);
    if (this.#closing) return session.close(CloseCode.goingAway, 'server shutting down');
    const authTimer = (session.authTimer = setTimeout(() => {
      if (session.state !== 'awaiting-auth') return;
      session.sendError(new AppError(realtimeErrors.auth_timeout), undefined);
      session.close(CloseCode.unauthorized, 'auth_timeout');
    }, this.#options.authTimeoutMs));
    authTimer.unref();
    ws.on('message', (data, isBinary) => {
      session.lastActivityAt = Date.now();
      this.#onMessage(session, data as Buffer, isBinary);
    });
    ws.on('pong', () => {
      session.lastActivityAt = Date.now();
    });
    // ws reports oversized frames (it closes 1009 itself), bad UTF-8 and resets here.
    ws.on('error', (error) => this.#options.logger.debug({ err: error }, 'websocket error'));
    ws.on('close', () => {
      clearTimeout(authTimer);
      this.#closed(session);
    });
  }

  #onMessage(session: SocketSession, data: Buffer, isBinary: boolean): void {
    if (session.state === 'closed') return;
    const parsed = parseClientFrame(data, isBinary);
    const metrics = this.#options.metrics;
    if (parsed.kind === 'violation') {
      metrics.frameIn('invalid');
      return this.#violation(session, parsed.message);
    }
    const type = parsed.kind === 'frame' ? parsed.frame.type : parsed.type;
    metrics.frameIn(type);
    if (session.state !== 'ready') {
      if (type !== 'auth' || session.state === 'authenticating') return this.#violation(session, session.state === 'authenticating' ? 'Wait for `ready` before sending frames.' : 'The first frame must be `auth`.');
      if (parsed.kind === 'invalid') {
        session.sendError(new AppError(platformErrors.unauthorized, parsed.message), parsed.ref);
        return session.close(CloseCode.unauthorized, 'invalid auth frame');
      }
      return void this.#authenticate(session, parsed.frame as ClientFrameOf<'auth'>);
    }
    if (type === 'auth') return this.#violation(session, 'The socket is already authenticated.');
    if (parsed.kind === 'invalid') {
      return session.sendError(new AppError(platformErrors.validation_failed, parsed.message, { details: parsed.details }), parsed.ref);
    }
    const frame = parsed.frame as Exclude<typeof parsed.frame, { type: 'auth' }>;
    const ref = frame.type === 'send' ? frame.clientMessageId : frame.ref;
    try {
      const result = (frameHandlers[frame.type] as (s: SocketSession, f: typeof frame, c: FrameContext) => void | Promise<void>)(session, frame, this.#frameContext);
      if (result) result.catch((error: unknown) => this.#frameFailed(session, error, ref));
    } catch (error) {
      this.#frameFailed(session, error, ref);
    }
  }

  #frameFailed(session: SocketSession, error: unknown, ref: string | undefined): void {
    if (!(error instanceof AppError) || error.spec.status >= 500) this.#options.logger.error({ err: error }, 'chat frame failed');
    session.sendError(error, ref);
  }

  #violation(session: SocketSession, message: string): void {
    session.sendError(new AppError(realtimeErrors.protocol_violation, message), undefined);
    session.close(CloseCode.policyViolation, 'protocol violation');
  }

  async #authenticate(session: SocketSession, frame: ClientFrameOf<'auth'>): Promise<void> {
    session.state = 'authenticating';
    let identity: DeviceIdentity;
    try {
      identity = await this.#options.core.authenticateDevice(frame.token);
    } catch (error) {
      if (session.closed) return;
      const revoked = error instanceof AppError && error.code === chatErrors.device_revoked.code;
      session.sendError(error instanceof AppError ? error : new AppError(platformErrors.unauthorized), frame.ref);
      session.close(revoked ? CloseCode.deviceRevoked : CloseCode.unauthorized, revoked ? 'device revoked' : 'unauthorized');
      return;
    }
    if (session.closed) return;
    clearTimeout(session.authTimer);
    session.authTimer = undefined;
    session.identity = identity;
    session.state = 'ready';
    const options = this.#options;
    const stream = new DeviceStream({
      core: options.core,
      identity,
      socket: session,
      maxBufferedBytes: options.maxBufferedBytes,
      stuckTimeoutMs: options.stuckTimeoutMs,
      onLiveWritten: (messages) => options.metrics.observeDelivered(messages),
      onLagging: () => options.metrics.lagging.inc(),
      onError: (error, context) => options.logger.error({ err: error, context, deviceId: identity.deviceId }, 'delivery failed'),
    });
    session.stream = stream;
    (session as SocketSession & { origin: unknown }).origin = {
      stream,
      settle: (sendFrame: ClientFrameOf<'send'>, outcome: PromiseSettledResult<AppendResult>) => {
        session.sendsInFlight--;
        if (outcome.status === 'fulfilled') {
          const r = outcome.value;
          session.sendFrame({ type: 'send-result', clientMessageId: r.clientMessageId, conversationId: r.conversationId, messageId: r.messageId, seq: r.seq, storedAt: r.storedAt, duplicate: r.duplicate });
        } else this.#frameFailed(session, outcome.reason, sendFrame.clientMessageId);
      },
    };
    let devices = this.#byDevice.get(identity.deviceId);
    if (!devices) this.#byDevice.set(identity.deviceId, (devices = new Set()));
    devices.add(session);
    // Registered for live messages before the backlog is read, so nothing falls between.
    options.hub.add(stream);
    session.sendFrame({ type: 'ready', protocol: PROTOCOL_VERSION, accountId: identity.accountId, deviceId: identity.deviceId, heartbeatMs: options.heartbeatMs, serverTime: Date.now() });
    stream.start();
    options.presence.connected(identity, session.key).catch((error: unknown) => options.logger.warn({ err: error }, 'presence update failed'));
  }

  #closed(session: SocketSession): void {
    if (session.state === 'closed') return;
    const wasReady = session.state === 'ready';
    session.state = 'closed';
    this.#sessions.delete(session);
    this.#follow(session, new Set());
    const identity = session.identity;
    if (!wasReady || !identity) return;
    session.stream?.close();
    if (session.stream) this.#options.hub.remove(session.stream);
    const devices = this.#byDevice.get(identity.deviceId);
    devices?.delete(session);
    if (devices?.size === 0) this.#byDevice.delete(identity.deviceId);
    for (const conversationId of session.typingIn ?? []) {
      this.#options.typing.publish({ conversationId, accountId: identity.accountId, deviceId: identity.deviceId, active: false }).catch(() => undefined);
    }
    this.#options.presence.disconnected(identity, session.key).catch((error: unknown) => this.#options.logger.warn({ err: error }, 'presence update failed'));
  }

  #scan(): void {
    const now = Date.now();
    for (const session of this.#sessions) {
      if (session.state === 'closed') continue;
      if (now - session.lastActivityAt > this.#options.idleTimeoutMs) {
        session.close(CloseCode.idleTimeout, 'idle timeout');
        continue;
      }
      if (session.open) session.ws.ping();
    }
  }

  // ---- fan-out of events that are not log entries ----

  /** Closes every socket of a removed device with 4003 (final). */
  closeDevice(deviceId: DeviceId): void {
    for (const session of this.#byDevice.get(deviceId) ?? []) {
      session.sendError(new AppError(chatErrors.device_revoked), undefined);
      session.close(CloseCode.deviceRevoked, 'device removed');
    }
  }

  /** A presence change heard on the cache channel → this node's followers of that account. */
  deliverPresence(presence: AccountPresence): void {
    const followers = this.#presenceFollowers.get(presence.accountId);
    if (!followers) return;
    const frame = JSON.stringify({ type: 'presence', ...presence });
    for (const session of followers) session.send(frame);
  }

  /** A typing event → this node's sockets of the conversation's other members. */
  async deliverTyping(event: TypingEvent): Promise<void> {
    const streams = await this.#options.hub.memberStreams(event.conversationId, event.accountId);
    const frame = JSON.stringify({ type: 'typing', conversationId: event.conversationId, accountId: event.accountId, deviceId: event.deviceId, active: event.active });
    for (const stream of streams) stream.socket.send(frame);
  }

  /** Sends a serialised frame to this node's sockets of these accounts, except `exceptAccount`. */
  sendToAccounts(accountIds: readonly AccountId[], frame: string, exceptAccount?: AccountId): void {
    for (const accountId of accountIds) {
      if (accountId === exceptAccount) continue;
      for (const stream of this.#options.hub.streamsOf(accountId)) stream.socket.send(frame);
    }
  }

  #follow(session: SocketSession, accountIds: ReadonlySet<string>): void {
    for (const accountId of session.presenceFollows) {
      const followers = this.#presenceFollowers.get(accountId);
      followers?.delete(session);
      if (followers?.size === 0) this.#presenceFollowers.delete(accountId);
    }
    session.presenceFollows = accountIds;
    for (const accountId of accountIds) {
      let followers = this.#presenceFollowers.get(accountId);
      if (!followers) this.#presenceFollowers.set(accountId, (followers = new Set()));
      followers.add(session);
    }
  }

  /** Closes every socket with 1001 (clients reconnect elsewhere) and waits until they are gone. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    for (const session of this.#sessions) session.close(CloseCode.goingAway, 'server shutting down');
    const deadline = Date.now() + 2000;
    while (this.#sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const session of this.#sessions) session.ws.terminate();
    this.#wss.close();
  }
}


function rejectUpgrade(socket: Duplex, status: number, text: string, message = text): void {
  const code = status === 404 ? platformErrors.not_found.code : status === 503 ? platformErrors.shutting_down.code : realtimeErrors.subprotocol_required.code;
  const body = JSON.stringify({ error: { code, message, retryable: status === 503 } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
