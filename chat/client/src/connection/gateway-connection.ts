/**
 * One logical connection to the gateway that survives network failures: open the socket
 * (subprotocol `twin-chat.v1`), authenticate with a device token, keep it alive with
 * `ping`s, and when it drops, reconnect after an exponential backoff with jitter. Close
 * code 4001 means the token was refused: mint a new one first. 4003 means the device was
 * removed: stop for good. Frames are parsed here and handed on; the protocol logic lives
 * in the client.
 */
import { AUTH_TIMEOUT_MS, CloseCode, FINAL_CLOSE_CODES, GATEWAY_PATH, SUBPROTOCOL, type ClientFrame, type ServerFrame, type ServerFrameOf } from '@twin/chat-protocol';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import type { DeviceTokenSource } from '../http/http-client.ts';
import { defaultWebSocketFactory, gatewayUrl, OPEN, type WebSocketFactory, type WebSocketLike } from './web-socket.ts';

/**
 * `connecting` → `authenticating` → `syncing` (authenticated; the backlog is streaming) →
 * `live` (caught up). `waiting` = between attempts. `closed` = stopped by the app;
 * `revoked` = the device was removed (final).
 */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'syncing' | 'live' | 'waiting' | 'closed' | 'revoked';

export interface ConnectionEvent {
  state: ConnectionState;
  /** Reconnect attempts since the last successful auth. */
  attempt: number;
  /** For `waiting`, `closed`, `revoked`: how the last socket closed. */
  closeCode?: number;
  reason?: string;
  /** For `waiting`: ms until the next attempt. */
  retryInMs?: number;
}

export interface GatewayConnectionOptions {
  baseUrl: string;
  tokens: DeviceTokenSource;
  webSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  onState: (event: ConnectionEvent) => void;
  /** An authenticated socket is ready: (re)send what must follow a fresh auth. */
  onReady: (frame: ServerFrameOf<'ready'>) => void;
  onFrame: (frame: ServerFrame) => void;
  /** A problem worth telling the app about (unparseable frame, token mint failure). */
  onProblem: (error: Error) => void;
}

/** Heartbeat interval when the server does not say (its `ready` frame does). */
const DEFAULT_HEARTBEAT_MS = 30_000;

export class GatewayConnection {
  readonly #options: GatewayConnectionOptions;
  readonly #url: string;
  readonly #factory: WebSocketFactory;
  readonly #backoff: Backoff;
  #socket: WebSocketLike | undefined;
  #state: ConnectionState = 'idle';
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #authTimer: ReturnType<typeof setTimeout> | undefined;
  #lastReceivedAt = 0;
  #generation = 0;
  #stopped = false;

  constructor(options: GatewayConnectionOptions) {
    this.#options = options;
    this.#url = gatewayUrl(options.baseUrl, GATEWAY_PATH);
    this.#factory = options.webSocket ?? defaultWebSocketFactory;
    this.#backoff = new Backoff(options.backoff);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** True once authenticated (frames other than `auth` may be sent). */
  get authenticated(): boolean {
    return (this.#state === 'syncing' || this.#state === 'live') && this.#socket?.readyState === OPEN;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#stopped = false;
    void this.#open();
  }

  /** Sends a frame on the authenticated socket; false when there is none (the caller keeps it). */
  send(frame: ClientFrame): boolean {
    if (!this.authenticated) return false;
    this.#socket!.send(JSON.stringify(frame));
    return true;
  }

  /** The server said the backlog is drained. */
  markLive(): void {
    // Only a connection that got this far counts as a success: a server that accepts auth
    // and then drops us at once must not turn the backoff into a tight loop.
    this.#backoff.reset();
    if (this.#state === 'syncing') this.#setState('live');
  }

  /**
   * Drops the current socket and reconnects at once (network change; tests). Frames still
   * in flight on the old socket are ignored, as they would be lost on a real drop.
   */
  reconnect(): void {
    if (this.#stopped || this.#state === 'revoked') return;
    this.#backoff.reset();
    clearTimeout(this.#retryTimer);
    this.#clearSocketTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(3000, 'client reconnect');
    }
    void this.#open();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#clearSocketTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000, 'client stopped');
    }
    if (this.#state !== 'revoked') this.#setState('closed');
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    // A later open (reconnect() while this one awaits its token) supersedes this one.
    const generation = ++this.#generation;
    this.#setState('connecting');
    let token: string;
    try {
      token = await this.#options.tokens.token();
    } catch (error) {
      this.#options.onProblem(error as Error);
      if ((error as { status?: number }).status === 401) return this.#revoke(CloseCode.deviceRevoked, 'device token refused');
      return this.#scheduleRetry(undefined, 'token mint failed');
    }
    if (this.#stopped || generation !== this.#generation) return;
    let socket: WebSocketLike;
    try {
      socket = this.#factory(this.#url, SUBPROTOCOL);
    } catch (error) {
      this.#options.onProblem(error as Error);
      return this.#scheduleRetry(undefined, 'socket failed to open');
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#setState('authenticating');
      socket.send(JSON.stringify({ type: 'auth', token }));
      // A server that never answers the auth frame: give up on this socket and retry.
      this.#authTimer = setTimeout(() => socket.close(3001, 'auth timeout'), AUTH_TIMEOUT_MS + 5_000);
    };
    socket.onmessage = (event) => this.#receive(socket, event.data);
    socket.onerror = () => {
      // Always followed by close, which decides what happens next.
    };
    socket.onclose = (event) => this.#closed(socket, event.code, event.reason);
  }

  #receive(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.#socket) return;
    this.#lastReceivedAt = Date.now();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame;
    } catch {
      this.#options.onProblem(new Error('unparseable frame from the gateway'));
      return;
    }
    if (frame.type === 'ready') {
      clearTimeout(this.#authTimer);
      this.#setState('syncing');
      this.#startHeartbeat(socket, frame.heartbeatMs || DEFAULT_HEARTBEAT_MS);
      this.#options.onReady(frame);
      return;
    }
    if (frame.type === 'pong') return;
    this.#options.onFrame(frame);
  }

  #startHeartbeat(socket: WebSocketLike, heartbeatMs: number): void {
    clearInterval(this.#pingTimer);
    const every = Math.max(1_000, Math.floor(heartbeatMs / 3));
    this.#pingTimer = setInterval(() => {
      if (socket.readyState !== OPEN) return;
      // Nothing at all (not even a pong) for two heartbeats: the path is dead though TCP has not noticed.
      if (Date.now() - this.#lastReceivedAt > 2 * heartbeatMs) return socket.close(3002, 'heartbeat lost');
      socket.send(JSON.stringify({ type: 'ping' }));
    }, every);
  }

  #closed(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#clearSocketTimers();
    if (this.#stopped) return;
    if (FINAL_CLOSE_CODES.includes(code)) return this.#revoke(code, reason);
    if (code === CloseCode.unauthorized) this.#options.tokens.invalidate();
    this.#scheduleRetry(code, reason);
  }

  #scheduleRetry(closeCode: number | undefined, reason: string): void {
    if (this.#stopped) return;
    const retryInMs = this.#backoff.next();
    this.#state = 'waiting';
    this.#options.onState({ state: 'waiting', attempt: this.#backoff.attempt, closeCode, reason, retryInMs });
    this.#retryTimer = setTimeout(() => void this.#open(), retryInMs);
  }

  #revoke(closeCode: number, reason: string): void {
    this.#stopped = true;
    this.#state = 'revoked';
    this.#options.onState({ state: 'revoked', attempt: this.#backoff.attempt, closeCode, reason });
  }

  #clearSocketTimers(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#authTimer);
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onState({ state, attempt: this.#backoff.attempt });
  }
}
