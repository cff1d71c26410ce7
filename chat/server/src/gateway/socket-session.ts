/**
 * One WebSocket connection: its place in the connection state machine (awaiting `auth` →
 * ready → closed), its identity once authenticated, and the `DeliverySocket` face the
 * delivery stream writes through. Timers are not per socket: the gateway scans every
 * session on one interval for heartbeats and idle timeouts, so an idle socket costs a few
 * fields, not a timer object.
 */
import type { Socket } from 'node:net';
import type { ConversationId } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import WebSocket from 'ws';
import type { DeviceIdentity } from '../core.ts';
import type { DeliverySocket } from '../delivery/device-stream.ts';
import type { DeviceStream } from '../delivery/device-stream.ts';

/** Grace after a close frame is sent before the TCP connection is cut (a stuck peer never answers it). */
const CLOSE_GRACE_MS = 1000;

export type SessionState = 'awaiting-auth' | 'authenticating' | 'ready' | 'closed';

export interface SessionCounters {
  framesOut(type: string): void;
  /** The server closed the socket with this code. */
  closedByServer(code: number): void;
}

export class SocketSession implements DeliverySocket {
  readonly ws: WebSocket;
  /** Unique per socket on this node: identifies it in the presence registry. */
  readonly key: string;
  readonly #counters: SessionCounters;
  #corked = false;
  state: SessionState = 'awaiting-auth';
  identity: DeviceIdentity | undefined;
  stream: DeviceStream | undefined;
  /** Last time anything arrived (a frame or a WebSocket pong), epoch ms. */
  lastActivityAt: number;
  readonly connectedAt: number;
  /** `send` frames handed to the core and not yet answered. */
  sendsInFlight = 0;
  /** Accounts whose presence this socket follows. */
  presenceFollows: ReadonlySet<string> = new Set();
  /** Conversations this socket last said it is typing in (to send `active:false` on close); allocated on first use. */
  typingIn: Set<ConversationId> | undefined;
  /** Pending until `auth` arrives. */
  authTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, key: string, counters: SessionCounters) {
    this.ws = ws;
    this.key = key;
    this.#counters = counters;
    this.connectedAt = this.lastActivityAt = Date.now();
  }

  /** Read through a getter so TypeScript does not narrow it across awaits. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.#corkForThisCallback();
    this.ws.send(frame);
    this.#counters.framesOut(frameType(frame));
  }

  /** The TCP socket under ws (not public in ws: its drain event and cork are needed here). */
  get #tcp(): Socket | undefined {
    return (this.ws as unknown as { _socket?: Socket })._socket;
  }

  /**
   * Holds the frames written by the current callback (and the promise chain it started) in
   * the TCP socket and writes them with one syscall once it is done, as Node's docs advise
   * for cork: a device is often sent several frames at once (its send-results, a commit's
   * messages), and in the chat benchmark's profile the write syscalls were most of the send
   * path's CPU. Holding them until the next turn instead saved a few more syscalls but
   * added a whole turn of every other socket's work to each message's latency.
   */
  #corkForThisCallback(): void {
    if (this.#corked) return;
    const tcp = this.#tcp;
    if (!tcp) return;
    this.#corked = true;
    tcp.cork();
    process.nextTick(() => {
      this.#corked = false;
      tcp.uncork();
    });
  }

  sendFrame(frame: { type: string } & Record<string, unknown>): void {
    this.send(JSON.stringify(frame));
  }

  sendError(error: unknown, ref: string | undefined): void {
    const frame =
      error instanceof AppError
        ? { type: 'error', code: error.code, message: error.message, retryable: error.spec.retryable }
        : { type: 'error', code: 'internal', message: 'An unexpected error; it has been logged.', retryable: true };
    this.sendFrame(ref === undefined ? frame : { ...frame, ref });
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  waitForBuffered(bytes: number, timeoutMs: number): Promise<boolean> {
    if (this.ws.bufferedAmount <= bytes) return Promise.resolve(true);
    if (!this.open) return Promise.resolve(false);
    // ws exposes no drain event; the TCP socket under it does.
    const tcp = this.#tcp;
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        tcp?.off('drain', onDrain);
        this.ws.off('close', onClose);
        resolve(value);
      };
      const onDrain = () => {
        if (this.ws.bufferedAmount <= bytes) finish(true);
      };
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(this.ws.bufferedAmount <= bytes), timeoutMs);
      tcp?.on('drain', onDrain);
      this.ws.on('close', onClose);
    });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (this.ws.readyState !== WebSocket.CLOSING) {
      this.ws.close(code, reason);
      this.#counters.closedByServer(code);
    }
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}

/** The `type` of a serialised server frame (every frame starts with it). */
function frameType(frame: string): string {
  const end = frame.indexOf('"', 9);
  return frame.startsWith('{"type":"') && end > 9 ? frame.slice(9, end) : 'unknown';
}
