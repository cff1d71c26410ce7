/**
 * First run of a device: load its identity from the store, or generate a key pair and
 * register it with the account (the first device needs nothing more; every later one
 * needs a link code minted by an existing device — that code is the approval).
 */
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import type { ChatApi } from './http/chat-api.ts';
import { generateDeviceKeys } from './identity.ts';
import type { ChatStore, StoredDevice } from './store/interface.ts';

export interface DeviceSetupOptions {
  api: ChatApi;
  store: ChatStore;
  /** The account's session access token (from `api.signIn`); only needed to register. */
  accountToken?: string;
  /** Shown in the account's device list. */
  name?: string;
  /** Required for every device but the account's first. */
  linkCode?: string;
}

/** The stored device, or a newly registered one (saved to the store before returning). */
export async function ensureDevice(options: DeviceSetupOptions): Promise<StoredDevice> {
  const existing = await options.store.getDevice();
  if (existing) return existing;
  if (!options.accountToken) throw new Error('this store has no device yet: sign in and pass accountToken to register one');
  const keys = await generateDeviceKeys();
  const name = options.name ?? 'device';
  const registered = await options.api.registerDevice(options.accountToken, {
    publicKey: keys.publicKey,
    name,
    ...(options.linkCode ? { linkCode: options.linkCode } : {}),
  });
  const device: StoredDevice = {
    accountId: registered.accountId as AccountId,
    deviceId: registered.deviceId as DeviceId,
    name,
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
  };
  await options.store.setDevice(device);
  return device;
}
