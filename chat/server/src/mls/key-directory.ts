/**
 * The key directory (RFC 9420 §16.4 "Delivery Service", key package distribution): a
 * device uploads one-time key packages and one last-resort package, all bound to it (see
 * key-package-check.ts); anyone about to add an account's devices to a group claims one
 * package per device. A one-time package is handed out once — deleted as it is claimed,
 * atomically (store.ts) — and the last-resort one is handed out when a device has run dry,
 * without being consumed, so a device can always be added. The count tells a device when
 * to replenish.
 */
import { MAX_STORED_KEY_PACKAGES, type ClaimKeyPackagesResponse, type KeyPackageCount, type UploadKeyPackagesRequest } from '@twin/chat-protocol';
import { AppError, type SnowflakeGenerator } from '@twin/platform';
import type { Kysely } from 'kysely';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { existingAccounts } from '../conversations/store.ts';
import { isStorableId } from '../http-schemas.ts';
import { cipherSuite } from './cipher-suite.ts';
import { checkKeyPackage } from './key-package-check.ts';
import * as store from './store.ts';

export interface KeyDirectoryDeps {
  db: Kysely<any>;
  ids: SnowflakeGenerator;
  /** PostgreSQL: claims skip rows other claimers hold (SqlCapabilities.supportsSkipLocked). */
  skipLocked: boolean;
  shareAConversation: (a: string, b: string) => Promise<boolean>;
  now?: () => number;
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

export class KeyDirectory {
  readonly #deps: KeyDirectoryDeps;
  readonly #db: store.MlsDb;
  readonly #now: () => number;

  constructor(deps: KeyDirectoryDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
  }

  /** Checks and stores the device's packages (all or none); resolves its new count. */
  async upload(device: DeviceIdentity, request: UploadKeyPackagesRequest): Promise<KeyPackageCount> {
    const [row] = await store.findDevices(this.#db, [device.deviceId]);
    if (!row) throw new AppError(chatErrors.device_not_found);
    const bound = { deviceId: device.deviceId, identityKey: Buffer.from(row.public_key, 'base64url') };
    const cs = await cipherSuite();
    const now = this.#now();
    const oneTime = await Promise.all(request.keyPackages.map((text) => checkKeyPackage(text, bound, cs, now)));
    const lastResort = request.lastResort === undefined ? undefined : await checkKeyPackage(request.lastResort, bound, cs, now);
    const toRow = (checked: { ref: string; bytes: Uint8Array }, flag: number): store.KeyPackageRow => ({
      id: this.#deps.ids.next(),
      device_id: device.deviceId,
      ref: checked.ref,
      body: checked.bytes,
      last_resort: flag,
      created_at: now,
    });
    return this.#db.transaction().execute(async (trx) => {
      // The device's row lock serialises its concurrent uploads, so the cap holds (PostgreSQL; SQLite has one writer).
      await trx.updateTable('chat_device').set((eb) => ({ name: eb.ref('name') })).where('id', '=', device.deviceId).execute();
      const before = await store.countKeyPackages(trx, device.deviceId);
      if (before.available + oneTime.length > MAX_STORED_KEY_PACKAGES) {
        throw new AppError(chatErrors.too_many_key_packages, `A device holds at most ${MAX_STORED_KEY_PACKAGES} unclaimed key packages; it has ${before.available}.`);
      }
      await store.insertKeyPackages(trx, oneTime.map((checked) => toRow(checked, 0)));
      if (lastResort) await store.replaceLastResort(trx, toRow(lastResort, 1));
      return store.countKeyPackages(trx, device.deviceId);
    });
  }

  count(device: DeviceIdentity): Promise<KeyPackageCount> {
    return store.countKeyPackages(this.#db, device.deviceId);
  }

  /**
   * One package for each active device of `accountId` (or of `deviceIds`, which must be
   * its active devices); by default the caller's own device is left out. Only the
   * account's own devices and members of a conversation it is in may claim.
   */
  async claim(caller: DeviceIdentity, accountId: string, deviceIds?: readonly string[]): Promise<ClaimKeyPackagesResponse> {
    if (!isStorableId(accountId) || !(await existingAccounts(this.#db, [accountId])).has(accountId)) throw new AppError(chatErrors.account_not_found);
    if (caller.accountId !== accountId && !(await this.#deps.shareAConversation(caller.accountId, accountId))) throw new AppError(chatErrors.no_shared_conversation);
    const active = (await store.activeDeviceIds(this.#db, accountId)).map((d) => String(d.id));
    let targets: string[];
    if (deviceIds) {
      const known = new Set(active);
      const unknown = deviceIds.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new AppError(chatErrors.device_not_found, `Not an active device of account ${accountId}: ${unknown.join(', ')}.`, { details: { deviceIds: unknown } });
      targets = [...new Set(deviceIds)];
    } else {
      targets = active.filter((id) => id !== caller.deviceId);
    }
    const claimed = new Map<string, { keyPackage: string; lastResort: boolean }>();
    for (const deviceId of targets) {
      const body = await store.claimOneTime(this.#db, deviceId, this.#deps.skipLocked);
      if (body) claimed.set(deviceId, { keyPackage: base64url(body), lastResort: false });
    }
    const dry = targets.filter((id) => !claimed.has(id));
    for (const row of await store.lastResortOf(this.#db, dry)) claimed.set(String(row.device_id), { keyPackage: base64url(row.body), lastResort: true });
    return {
      keyPackages: targets.filter((id) => claimed.has(id)).map((deviceId) => ({ deviceId, ...claimed.get(deviceId)! })),
      missing: targets.filter((id) => !claimed.has(id)),
    };
  }
}
