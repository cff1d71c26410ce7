/**
 * JSON over `fetch` with the two kinds of bearer tokens the chat API takes: an account
 * session token (sign-up/sign-in, device registration) and a device token (everything
 * else). A device request answered 401 gets one retry with a freshly minted device token,
 * which covers a token that expired or was rotated between mint and use.
 */
import { ChatApiError } from './errors.ts';

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** `device`: the device token supplier; a string: that bearer token; none: no auth. */
  auth?: 'device' | string;
  headers?: Record<string, string>;
}

export interface DeviceTokenSource {
  /** A valid device token (cached until shortly before it expires). */
  token(): Promise<string>;
  /** Drops the cached token so the next `token()` mints a new one. */
  invalidate(): void;
}

export interface HttpClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  #device: DeviceTokenSource | undefined;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sets where device-authenticated requests get their token. */
  useDeviceTokens(source: DeviceTokenSource): void {
    this.#device = source;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options);
    if (response.status === 401 && options.auth === 'device' && this.#device) {
      this.#device.invalidate();
      return parseJsonResponse<T>(await this.#send(method, path, options));
    }
    return parseJsonResponse<T>(response);
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.auth === 'device') {
      if (!this.#device) throw new Error('no device token source: register or load a device first');
      headers.authorization = `Bearer ${await this.#device.token()}`;
    } else if (options.auth) headers.authorization = `Bearer ${options.auth}`;
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return this.#fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  }
}

/** The JSON body of a response; a non-2xx answer throws `ChatApiError` with the server's error envelope. */
export async function parseJsonResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw new ChatApiError(response.status, (parsed as { error?: ConstructorParameters<typeof ChatApiError>[1] } | undefined)?.error);
  return parsed as T;
}
