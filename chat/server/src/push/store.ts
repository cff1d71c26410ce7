/**
 * SQL for push subscriptions and the stored VAPID key pair.
 */
import { createHash } from 'node:crypto';
import type { DeviceId } from '@twin/chat-protocol';
import type { Kysely } from 'kysely';
import type { DeviceIdentity } from '../core.ts';
import type { PushTables } from './migrations.ts';

export interface PushSubscriptionRecord {
  readonly endpoint: string;
  readonly deviceId: DeviceId;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

const hashOf = (endpoint: string) => createHash('sha256').update(endpoint).digest('base64url');

export class PushStore {
  readonly #db: Kysely<PushTables>;

  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  /** Stores (or moves to this device) a subscription; the endpoint identifies it. */
  async upsert(device: DeviceIdentity, endpoint: string, keys: { p256dh: string; auth: string }): Promise<void> {
    const row = { endpoint_hash: hashOf(endpoint), endpoint, device_id: device.deviceId, account_id: device.accountId, p256dh: keys.p256dh, auth: keys.auth, created_at: Date.now() };
    await this.#db
      .insertInto('chat_push_subscription')
      .values(row)
      .onConflict((c) => c.column('endpoint_hash').doUpdateSet({ device_id: row.device_id, account_id: row.account_id, p256dh: row.p256dh, auth: row.auth, created_at: row.created_at }))
      .execute();
  }

  async deleteForDevice(deviceId: string): Promise<number> {
    const result = await this.#db.deleteFrom('chat_push_subscription').where('device_id', '=', deviceId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteEndpoint(endpoint: string): Promise<void> {
    await this.#db.deleteFrom('chat_push_subscription').where('endpoint_hash', '=', hashOf(endpoint)).execute();
  }

  async forDevices(deviceIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.#db.selectFrom('chat_push_subscription').select(['endpoint', 'device_id', 'p256dh', 'auth']).where('device_id', 'in', deviceIds).execute();
    return rows.map((r) => ({ endpoint: r.endpoint, deviceId: String(r.device_id) as DeviceId, keys: { p256dh: r.p256dh, auth: r.auth } }));
  }

  /** The stored key pair, creating it with `generate` if none exists (the first writer wins on every node). */
  async vapidKeys(generate: () => { publicKey: string; privateKey: string }): Promise<{ publicKey: string; privateKey: string }> {
    const existing = await this.#db.selectFrom('chat_push_vapid').select(['public_key', 'private_key']).where('id', '=', 1).executeTakeFirst();
    if (existing) return { publicKey: existing.public_key, privateKey: existing.private_key };
    const fresh = generate();
    await this.#db
      .insertInto('chat_push_vapid')
      .values({ id: 1, public_key: fresh.publicKey, private_key: fresh.privateKey, created_at: Date.now() })
      .onConflict((c) => c.column('id').doNothing())
      .execute();
    const stored = await this.#db.selectFrom('chat_push_vapid').select(['public_key', 'private_key']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { publicKey: stored.public_key, privateKey: stored.private_key };
  }
}
