/**
 * The client's check of MLS leaves against the server's device directory: a leaf whose
 * credential names device D must carry D's registered Ed25519 key (a device signs MLS
 * with its identity key). So a member cannot slip another account's "device" with a key
 * of its own into a group; a server that lied here would have to lie in the directory
 * every client reads too. A device's key never changes, so each one is fetched once.
 */
import { toBase64Url } from '@twin/chat-protocol';
import type { ChatApi } from '../http/chat-api.ts';
import { ChatApiError } from '../http/errors.ts';

export class DeviceDirectory {
  readonly #api: ChatApi;
  /** Device id → its registered key (base64url), or the lookup in flight. */
  readonly #keys = new Map<string, Promise<string | null>>();

  constructor(api: ChatApi) {
    this.#api = api;
  }

  /** True when `publicKey` is the registered key of `deviceId` (removed devices included). */
  async verify(deviceId: string, publicKey: Uint8Array): Promise<boolean> {
    const registered = await this.#keyOf(deviceId);
    return registered !== null && registered === toBase64Url(publicKey);
  }

  #keyOf(deviceId: string): Promise<string | null> {
    let key = this.#keys.get(deviceId);
    if (!key) {
      key = this.#api.describeDevice(deviceId).then(
        (device) => device.publicKey,
        (error: unknown) => {
          // Not remembered: the next check asks again. "No such device" fails the leaf; any
          // other failure (network, server) fails the operation, to be retried, not the leaf.
          this.#keys.delete(deviceId);
          if (error instanceof ChatApiError && error.code === 'device_not_found') return null;
          throw error;
        },
      );
      this.#keys.set(deviceId, key);
    }
    return key;
  }
}
