/**
 * The benchmark's own protocol v1 sockets (the `ws` package, so a source address can be
 * chosen): lighter than the SDK, so the load generator spends its core on frames rather
 * than on bookkeeping, and the same code drives the chat server and the bare relay.
 */
import { SUBPROTOCOL, type ClientFrame, type ServerFrame } from '@twin/chat-protocol';
import WebSocket from 'ws';

export interface WireSocket {
  readonly ws: WebSocket;
  send(frame: ClientFrame): void;
  close(): void;
}

export interface OpenOptions {
  token: string;
  localAddress?: string;
  /** Every frame, `ready` included; gets the socket, since frames can follow `ready` before the promise's continuation runs. */
  onFrame?: (frame: ServerFrame, socket: WireSocket) => void;
}

/** Opens, authenticates and resolves once `ready` arrives. */
export function openWire(url: string, options: OpenOptions): Promise<WireSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const socket: WireSocket = {
      ws,
      send: (frame) => ws.send(JSON.stringify(frame)),
      close: () => ws.terminate(),
    };
    let ready = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: options.token })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (!ready && frame.type === 'ready') {
        ready = true;
        resolve(socket);
      }
      options.onFrame?.(frame, socket);
    });
    ws.on('error', (error) => {
      if (!ready) reject(error);
    });
    ws.on('close', (code, reason) => {
      if (!ready) reject(new Error(`closed ${code} ${String(reason)} before ready`));
    });
  });
}

/** `http://127.0.0.1:8080` → `ws://127.0.0.1:8080/v1/chat/ws`. */
export const wsUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}/v1/chat/ws`;
