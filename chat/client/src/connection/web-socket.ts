/**
 * The part of a WebSocket the SDK uses, so that the browser's `WebSocket`, Node's global
 * one (undici) and the `ws` package (for load tests that need `localAddress`) all fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = (url: string, protocol: string) => WebSocketLike;

export const OPEN = 1;

export const defaultWebSocketFactory: WebSocketFactory = (url, protocol) => new WebSocket(url, protocol) as unknown as WebSocketLike;

/** `http://host/` → `ws://host/v1/chat/ws`. */
export function gatewayUrl(baseUrl: string, path: string): string {
  const url = new URL(path, baseUrl.replace(/\/*$/, '/'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
