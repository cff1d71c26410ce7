/**
 * Presence and the device registry, in the cache seam only (never SQL).
 *
 * - Per account, a sorted set `chat:presence:sockets:<accountId>` holds one member per open
 *   socket, `<deviceId>/<nodeToken>/<socketKey>` (score: connected-at). It says which node
 *   holds a device's socket (the device registry push consults) and whether the account
 *   is online: online = at least one member whose node is alive.
 * - Liveness is a heartbeat per node, not per socket: `chat:presence:node:<nodeToken>`
 *   carries a TTL refreshed every third of it. A node that dies takes its sockets'
 *   presence with it within one TTL, and 100k idle sockets cost no cache writes at all
 *   between connect and disconnect (per-socket heartbeats would be ~7k writes/s). A
 *   socket's own liveness is the gateway's WebSocket ping/idle timeout, which removes it.
 *   The node token carries a per-boot random part, so a restarted node never revives the
 *   sockets of its previous life.
 * - Last seen (`chat:presence:last-seen:<accountId>`) is written when an account's last
 *   socket closes; the privacy setting (`chat:presence:privacy:<accountId>` = `nobody`)
 *   hides it from everyone (online status stays visible, as WhatsApp does).
 * - Changes (an account's first socket opened, its last one closed) are published on the
 *   cache channel `chat:presence`, so every gateway node tells its local followers.
 */
import { randomBytes } from 'node:crypto';
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import type { Cache, Unsubscribe } from '@twin/platform/cache';
import type { DeviceIdentity } from '../core.ts';

export type LastSeenVisibility = 'everyone' | 'nobody';

export interface AccountPresence {
  readonly accountId: AccountId;
  readonly online: boolean;
  readonly lastSeenAt?: number;
}

export interface PresenceRegistryOptions {
  readonly cache: Cache;
  readonly nodeId: number;
  /** How long a node's sockets count as online after its last heartbeat. */
  readonly ttlMs: number;
  readonly onError: (error: unknown, context: string) => void;
}

const CHANNEL = 'chat:presence';
const socketsKey = (accountId: string) => `chat:presence:sockets:${accountId}`;
const nodeKey = (nodeToken: string) => `chat:presence:node:${nodeToken}`;
const lastSeenKey = (accountId: string) => `chat:presence:last-seen:${accountId}`;
const privacyKey = (accountId: string) => `chat:presence:privacy:${accountId}`;

export class PresenceRegistry {
  readonly nodeToken: string;
  readonly #options: PresenceRegistryOptions;
  #heartbeat: NodeJS.Timeout | undefined;
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: PresenceRegistryOptions) {
    this.#options = options;
    this.nodeToken = `${options.nodeId}.${randomBytes(6).toString('base64url')}`;
  }

  /** Starts this node's heartbeat and listens for presence changes from every node. */
  async start(onChange: (presence: AccountPresence) => void): Promise<void> {
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(50, Math.floor(this.#options.ttlMs / 3)));
    this.#heartbeat.unref();
    this.#unsubscribe = await this.#options.cache.subscribe(CHANNEL, (message) => {
      try {
        onChange(JSON.parse(message) as AccountPresence);
      } catch (error) {
        this.#options.onError(error, 'presence message');
      }
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#unsubscribe?.();
    await this.#options.cache.delete(nodeKey(this.nodeToken)).catch(() => 0);
  }

  async #beat(): Promise<void> {
    try {
      await this.#options.cache.set(nodeKey(this.nodeToken), '1', { ttlMs: this.#options.ttlMs });
    } catch (error) {
      this.#options.onError(error, 'presence heartbeat');
    }
  }

  /** A socket of this device authenticated on this node. */
  async connected(device: DeviceIdentity, socketKey: string): Promise<void> {
    const wasOnline = (await this.#liveDevices(device.accountId)).size > 0;
    await this.#options.cache.zadd(socketsKey(device.accountId), [{ member: `${device.deviceId}/${this.nodeToken}/${socketKey}`, score: Date.now() }]);
    if (!wasOnline) await this.#publish({ accountId: device.accountId, online: true });
  }

  /** That socket closed. The account's last socket closing records last-seen and tells followers. */
  async disconnected(device: DeviceIdentity, socketKey: string): Promise<void> {
    const cache = this.#options.cache;
    await cache.zrem(socketsKey(device.accountId), `${device.deviceId}/${this.nodeToken}/${socketKey}`);
    if ((await this.#liveDevices(device.accountId)).size > 0) return;
    const at = Date.now();
    await cache.set(lastSeenKey(device.accountId), String(at));
    const hidden = (await cache.get(privacyKey(device.accountId))) === 'nobody';
    await this.#publish(hidden ? { accountId: device.accountId, online: false } : { accountId: device.accountId, online: false, lastSeenAt: at });
  }

  /** Devices with a live socket anywhere, per account (the device registry). */
  async onlineDevices(accountIds: readonly AccountId[]): Promise<Map<AccountId, Set<DeviceId>>> {
    const result = new Map<AccountId, Set<DeviceId>>();
    await Promise.all(accountIds.map(async (accountId) => result.set(accountId, await this.#liveDevices(accountId))));
    return result;
  }

  /** Current presence of accounts, with last-seen unless an account hides it. */
  async presenceOf(accountIds: readonly AccountId[]): Promise<AccountPresence[]> {
    const cache = this.#options.cache;
    const [online, lastSeen, privacy] = await Promise.all([
      this.onlineDevices(accountIds),
      cache.getMany(accountIds.map(lastSeenKey)),
      cache.getMany(accountIds.map(privacyKey)),
    ]);
    return accountIds.map((accountId, i) => {
      if ((online.get(accountId)?.size ?? 0) > 0) return { accountId, online: true };
      const seen = lastSeen[i];
      return privacy[i] === 'nobody' || seen == null ? { accountId, online: false } : { accountId, online: false, lastSeenAt: Number(seen) };
    });
  }

  async setLastSeenVisibility(accountId: AccountId, visibility: LastSeenVisibility): Promise<void> {
    if (visibility === 'nobody') await this.#options.cache.set(privacyKey(accountId), 'nobody');
    else await this.#options.cache.delete(privacyKey(accountId));
  }

  async lastSeenVisibility(accountId: AccountId): Promise<LastSeenVisibility> {
    return (await this.#options.cache.get(privacyKey(accountId))) === 'nobody' ? 'nobody' : 'everyone';
  }

  /** Devices of one account with a socket on a live node; members of dead nodes are pruned. */
  async #liveDevices(accountId: string): Promise<Set<DeviceId>> {
    const cache = this.#options.cache;
    const members = await cache.zrangeByScoreDesc(socketsKey(accountId), { min: -Infinity });
    const live = new Set<DeviceId>();
    if (members.length === 0) return live;
    const parsed = members.map(({ member }) => {
      const [deviceId, nodeToken] = member.split('/');
      return { member, deviceId: deviceId as DeviceId, nodeToken: nodeToken ?? '' };
    });
    const tokens = [...new Set(parsed.map((p) => p.nodeToken))];
    const alive = await cache.getMany(tokens.map(nodeKey));
    const aliveTokens = new Set(tokens.filter((_, i) => alive[i] !== null));
    const dead: string[] = [];
    for (const entry of parsed) {
      if (aliveTokens.has(entry.nodeToken)) live.add(entry.deviceId);
      else dead.push(entry.member);
    }
    if (dead.length > 0) await cache.zrem(socketsKey(accountId), ...dead);
    return live;
  }

  async #publish(presence: AccountPresence): Promise<void> {
    await this.#options.cache.publish(CHANNEL, JSON.stringify(presence));
  }
}
