/**
 * Devices of an account: registration (the first device with the account's session alone,
 * every later one with a one-time link code minted by an existing device — that is the
 * approval), challenge-response sign-in that issues a device access token, listing and
 * removal. A device token is a platform access token whose session id is
 * `device:<deviceId>`, so removing the device revokes it exactly the way the platform
 * revokes a signed-out session: every node's auth check refuses it at once.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import { AppError, type AccessTokenIssuer } from '@twin/platform';
import type { Cache } from '@twin/platform/cache';
import type { SnowflakeGenerator } from '@twin/platform';
import type { ChatOutbox } from '../chat-outbox.ts';
import type { ChatEvent, DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import { importDeviceKey, verifyChallenge } from './ed25519.ts';
import type { DeviceRow, DeviceStore } from './store.ts';

export interface DeviceInfo {
  deviceId: DeviceId;
  accountId: AccountId;
  name: string;
  publicKey: string;
  createdAt: number;
}

export interface DeviceServiceDeps {
  store: DeviceStore;
  ids: SnowflakeGenerator;
  tokens: AccessTokenIssuer;
  cache: Cache;
  outbox: ChatOutbox;
  maxDevices: number;
  linkCodeTtlMs: number;
  challengeTtlMs: number;
  now?: () => number;
}

/** Crockford-like alphabet without 0/O/1/I: easy to read out and type on a second device. */
const LINK_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LINK_CODE_LENGTH = 12;
/** How long the "device is active" answer is reused on this node; the cache revocation covers other nodes at once. */
const ACTIVE_CACHE_MS = 5_000;

export const deviceSessionId = (deviceId: string) => `device:${deviceId}`;

const toInfo = (row: DeviceRow): DeviceInfo => ({
  deviceId: String(row.id) as DeviceId,
  accountId: String(row.account_id) as AccountId,
  name: row.name,
  publicKey: row.public_key,
  createdAt: Number(row.created_at),
});

export class DeviceService {
  readonly #deps: DeviceServiceDeps;
  readonly #now: () => number;
  readonly #active = new Map<string, { accountId: string; until: number } | { removed: true; until: number }>();

  constructor(deps: DeviceServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async register(accountId: string, request: { publicKey: string; name: string; linkCode?: string }): Promise<DeviceInfo> {
    if (!importDeviceKey(request.publicKey)) throw new AppError(chatErrors.invalid_public_key);
    // A code is consumed (deleted) before it is trusted, so it approves one device at most.
    const approved = request.linkCode === undefined ? false : await this.#consumeLinkCode(accountId, request.linkCode);
    if (request.linkCode !== undefined && !approved) throw new AppError(chatErrors.invalid_link_code);
    const row: DeviceRow = { id: this.#deps.ids.next(), account_id: accountId, name: request.name, public_key: request.publicKey, created_at: this.#now(), removed_at: null };
    const inserted = await this.#deps.store.insertDevice(row, this.#deps.maxDevices, (activeBefore) => {
      if (activeBefore > 0 && !approved) {
        throw new AppError(chatErrors.invalid_link_code, 'The account already has a device: link this one with a code minted on it (POST /v1/devices/link-codes).');
      }
    });
    if (!inserted) throw new AppError(chatErrors.device_limit, `An account may have at most ${this.#deps.maxDevices} devices.`);
    return toInfo(row);
  }

  async mintLinkCode(device: DeviceIdentity): Promise<{ code: string; expiresAt: number }> {
    let code = '';
    for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
    // The minting device is remembered: removing it (say, it was stolen) voids its codes.
    await this.#deps.cache.set(`chat:link-code:${code}`, `${device.accountId}:${device.deviceId}`, { ttlMs: this.#deps.linkCodeTtlMs });
    return { code, expiresAt: this.#now() + this.#deps.linkCodeTtlMs };
  }

  async challenge(deviceId: string): Promise<{ nonce: string; expiresAt: number }> {
    await this.#activeDevice(deviceId);
    const nonce = randomBytes(24).toString('base64url');
    await this.#deps.cache.set(`chat:device-challenge:${deviceId}:${nonce}`, '1', { ttlMs: this.#deps.challengeTtlMs });
    return { nonce, expiresAt: this.#now() + this.#deps.challengeTtlMs };
  }

  async issueToken(deviceId: string, nonce: string, signature: string): Promise<{ accessToken: string; expiresAt: number; accountId: AccountId; deviceId: DeviceId }> {
    const device = await this.#activeDevice(deviceId);
    // Verify before consuming, so a bad signature cannot burn a legitimate client's nonce.
    if (!verifyChallenge(device.public_key, deviceId, nonce, signature)) throw new AppError(chatErrors.invalid_device_signature);
    if ((await this.#deps.cache.delete(`chat:device-challenge:${deviceId}:${nonce}`)) !== 1) {
      throw new AppError(chatErrors.invalid_device_signature, 'The challenge nonce is unknown, expired or already used: ask for a new one.');
    }
    const accountId = String(device.account_id);
    const accessToken = await this.#deps.tokens.issue({ accountId, sessionId: deviceSessionId(deviceId), extra: { did: deviceId } });
    return { accessToken, expiresAt: this.#now() + this.#deps.tokens.ttlSeconds * 1000, accountId: accountId as AccountId, deviceId: deviceId as DeviceId };
  }

  async list(accountId: string): Promise<DeviceInfo[]> {
    if (!isStorableId(accountId) || !(await this.#deps.store.accountExists(accountId))) throw new AppError(chatErrors.account_not_found);
    return (await this.#deps.store.listActive(accountId)).map(toInfo);
  }

  /**
   * One device as the directory knows it, removed ones included: a client checks an MLS
   * leaf's key against it, and a removed device's leaf can stay in a group until someone
   * commits its removal.
   */
  async describe(deviceId: string): Promise<DeviceInfo & { removedAt: number | null }> {
    const row = await this.#findDevice(deviceId);
    if (!row) throw new AppError(chatErrors.device_not_found);
    return { ...toInfo(row), removedAt: row.removed_at === null ? null : Number(row.removed_at) };
  }

  /** Removes a device of `accountId` (the caller's account): revokes its tokens and tells the gateways. */
  async remove(accountId: string, deviceId: string): Promise<void> {
    const device = await this.#findDevice(deviceId);
    if (!device || device.removed_at !== null) throw new AppError(chatErrors.device_not_found);
    if (String(device.account_id) !== accountId) throw new AppError(chatErrors.not_your_device);
    const events: ChatEvent[] = [{ type: 'chat.device-removed', payload: { accountId: accountId as AccountId, deviceId: deviceId as DeviceId } }];
    const removed = await this.#deps.store.removeDevice(deviceId, accountId, this.#now(), (trx) => this.#deps.outbox.write(trx, events));
    if (!removed) throw new AppError(chatErrors.device_not_found);
    this.#active.set(deviceId, { removed: true, until: Number.POSITIVE_INFINITY });
    this.#deps.outbox.committed(events);
    await this.#deps.cache.set(`revoked-session:${deviceSessionId(deviceId)}`, 'device_removed', { ttlMs: (this.#deps.tokens.ttlSeconds + 60) * 1000 });
  }

  /**
   * The identity a device token stands for, after checking the token, that it is a device
   * token, and that the device was not removed (the cache revocation, and on this node the
   * database, which also covers a restarted in-process cache).
   */
  async authenticate(accessToken: string): Promise<DeviceIdentity> {
    const claims = await this.#deps.tokens.verify(accessToken);
    const deviceId = claims.extra?.did;
    if (!deviceId || claims.sessionId !== deviceSessionId(deviceId)) throw new AppError(chatErrors.device_token_required);
    if ((await this.#deps.cache.get(`revoked-session:${claims.sessionId}`)) !== null) throw new AppError(chatErrors.device_revoked);
    return this.assertActive({ accountId: claims.accountId as AccountId, deviceId: deviceId as DeviceId });
  }

  /** Throws `device_revoked` unless the device exists, is not removed and belongs to the account. */
  async assertActive(identity: DeviceIdentity): Promise<DeviceIdentity> {
    const now = this.#now();
    let known = this.#active.get(identity.deviceId);
    if (!known || known.until < now) {
      const row = await this.#deps.store.findDevice(identity.deviceId);
      known = !row || row.removed_at !== null ? { removed: true, until: now + ACTIVE_CACHE_MS } : { accountId: String(row.account_id), until: now + ACTIVE_CACHE_MS };
      if (this.#active.size > 100_000) this.#active.clear();
      this.#active.set(identity.deviceId, known);
    }
    if ('removed' in known || known.accountId !== identity.accountId) throw new AppError(chatErrors.device_revoked);
    return identity;
  }

  /** The device's row, removed or not; undefined for an id that cannot exist or does not. */
  async #findDevice(deviceId: string): Promise<DeviceRow | undefined> {
    return isStorableId(deviceId) ? this.#deps.store.findDevice(deviceId) : undefined;
  }

  async #activeDevice(deviceId: string): Promise<DeviceRow> {
    const device = await this.#findDevice(deviceId);
    if (!device) throw new AppError(chatErrors.device_not_found);
    if (device.removed_at !== null) throw new AppError(chatErrors.device_revoked);
    return device;
  }

  async #consumeLinkCode(accountId: string, code: string): Promise<boolean> {
    const key = `chat:link-code:${code.toUpperCase()}`;
    const [owner, mintedBy] = (await this.#deps.cache.get(key))?.split(':') ?? [];
    if (owner !== accountId || !mintedBy) return false;
    const minter = await this.#deps.store.findDevice(mintedBy);
    if (!minter || minter.removed_at !== null) return false;
    return (await this.#deps.cache.delete(key)) === 1;
  }
}

