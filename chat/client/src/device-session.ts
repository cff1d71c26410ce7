/**
 * Keeps a valid device token: mints one by challenge-response, caches it, and mints the
 * next shortly before expiry (tokens live at most 15 minutes), so neither HTTP calls nor
 * reconnects wait on a round trip in the common case. Concurrent callers share one mint.
 */
import type { DeviceId } from '@twin/chat-protocol';
import type { ChatApi } from './http/chat-api.ts';
import type { DeviceTokenSource } from './http/http-client.ts';
import { signChallenge } from './identity.ts';
import type { StoredDevice } from './store/interface.ts';

/** Mint a new token this long before the current one expires. */
const REFRESH_MARGIN_MS = 60_000;

export class DeviceSession implements DeviceTokenSource {
  readonly #api: ChatApi;
  readonly #device: StoredDevice;
  #current: { token: string; expiresAt: number } | undefined;
  #minting: Promise<string> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(api: ChatApi, device: StoredDevice) {
    this.#api = api;
    this.#device = device;
  }

  get device(): StoredDevice {
    return this.#device;
  }

  async token(): Promise<string> {
    const current = this.#current;
    if (current && current.expiresAt - REFRESH_MARGIN_MS > Date.now()) return current.token;
    return (this.#minting ??= this.#mint().finally(() => (this.#minting = undefined)));
  }

  invalidate(): void {
    this.#current = undefined;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #mint(): Promise<string> {
    const deviceId = this.#device.deviceId as DeviceId;
    const { nonce } = await this.#api.challenge(deviceId);
    const signature = await signChallenge(this.#device.privateKey, deviceId, nonce);
    const minted = await this.#api.deviceToken(deviceId, nonce, signature);
    // Tolerate a server that answers in seconds rather than ms.
    const expiresAt = minted.expiresAt < 1e12 ? minted.expiresAt * 1000 : minted.expiresAt;
    this.#current = { token: minted.accessToken, expiresAt };
    this.#scheduleRefresh(expiresAt);
    return minted.accessToken;
  }

  #scheduleRefresh(expiresAt: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#closed) return;
    const delay = Math.max(1_000, expiresAt - REFRESH_MARGIN_MS - Date.now() + 1_000);
    this.#timer = setTimeout(() => {
      this.#current = undefined;
      this.token().catch(() => {
        // The next caller retries; a failure here has nobody to tell.
      });
    }, delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
