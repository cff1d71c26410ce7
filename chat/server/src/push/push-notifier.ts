/**
 * Web Push (RFC 8030) for devices with no open socket: a new message to a member device
 * that the presence registry does not see online triggers one push carrying NO content —
 * the payload is the constant `{"type":"new-messages"}`, encrypted per RFC 8291
 * (aes128gcm) and signed with VAPID (RFC 8292) by `web-push` — so the push service learns
 * nothing but "wake up". The app then connects and syncs.
 *
 * - Coalesced per device: after a push, the device gets no other one for the coalescing
 *   window (`chat:push:coalesce:<deviceId>` with a TTL, set-if-absent so nodes agree),
 *   unless it acks first (an ack clears the key: the next message is news again). The
 *   `Topic` header lets the push service replace an undelivered one too.
 * - The sender's own account is not notified, nor are receipts, system entries and
 *   tombstones (they are not news to a person).
 * - 404/410 from the push service: the subscription is gone; it is deleted. Other
 *   failures are counted and logged, not retried: the next message or the app's own
 *   sync covers a lost wake-up.
 * - Endpoints must be https (http only with CHAT_PUSH_ALLOW_HTTP, for a local test endpoint).
 */
import type { AccountId, DeviceId, WireMessage } from '@twin/chat-protocol';
import type { Cache } from '@twin/platform/cache';
import type { ChatCore } from '../core.ts';
import type { PresenceRegistry } from '../presence/presence-registry.ts';
import type { PushStore, PushSubscriptionRecord } from './store.ts';
import { sendWebPush } from './web-push-sender.ts';

export const PUSH_PAYLOAD = '{"type":"new-messages"}';
const NOTIFYING_KINDS = new Set(['message', 'mls', 'reaction']);
const coalesceKey = (deviceId: string) => `chat:push:coalesce:${deviceId}`;

export interface VapidDetails {
  readonly subject: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface PushNotifierOptions {
  readonly core: ChatCore;
  readonly presence: PresenceRegistry;
  readonly store: PushStore;
  readonly cache: Cache;
  readonly vapid: VapidDetails;
  readonly coalesceMs: number;
  readonly ttlSeconds: number;
  readonly timeoutMs: number;
  readonly countOutcome: (outcome: 'sent' | 'gone' | 'failed' | 'coalesced') => void;
  readonly onError: (error: unknown, context: string) => void;
}

export class PushNotifier {
  readonly #options: PushNotifierOptions;

  constructor(options: PushNotifierOptions) {
    this.#options = options;
  }

  /** New log entries → a wake-up push to each offline recipient device (coalesced). */
  async onMessages(messages: readonly WireMessage[]): Promise<void> {
    const { core, presence } = this.#options;
    // Recipient accounts per conversation (everyone but each message's sender).
    const recipients = new Set<AccountId>();
    const byConversation = new Map<string, Set<string>>();
    for (const message of messages) {
      if (!NOTIFYING_KINDS.has(message.kind)) continue;
      let senders = byConversation.get(message.conversationId);
      if (!senders) byConversation.set(message.conversationId, (senders = new Set()));
      senders.add(message.senderAccountId);
    }
    await Promise.all(
      [...byConversation].map(async ([conversationId, senders]) => {
        for (const accountId of await core.membersOf(conversationId as never)) {
          // A member who sent in this batch still hears of others' messages in it.
          if (!senders.has(accountId) || senders.size > 1) recipients.add(accountId);
        }
      }),
    );
    if (recipients.size === 0) return;
    const accounts = [...recipients];
    const [devices, online] = await Promise.all([core.devicesOf(accounts), presence.onlineDevices(accounts)]);
    const offline = devices.filter((d) => !online.get(d.accountId)?.has(d.deviceId)).map((d) => d.deviceId);
    if (offline.length === 0) return;
    const subscriptions = await this.#options.store.forDevices(offline);
    const devicesWithSubs = [...new Set(subscriptions.map((s) => s.deviceId))];
    const due = new Set<DeviceId>();
    await Promise.all(
      devicesWithSubs.map(async (deviceId) => {
        const first = await this.#options.cache.set(coalesceKey(deviceId), '1', { ttlMs: this.#options.coalesceMs, onlyIfAbsent: true });
        if (first) due.add(deviceId);
        else this.#options.countOutcome('coalesced');
      }),
    );
    await Promise.all(subscriptions.filter((s) => due.has(s.deviceId)).map((s) => this.#send(s)));
  }

  /** A device acked: its next new message is news again. */
  async onAcked(deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length > 0) await this.#options.cache.delete(...new Set(deviceIds.map(coalesceKey)));
  }

  async onDeviceRemoved(deviceId: string): Promise<void> {
    await this.#options.store.deleteForDevice(deviceId);
  }

  async #send(subscription: PushSubscriptionRecord): Promise<void> {
    const { vapid, ttlSeconds, timeoutMs } = this.#options;
    const result = await sendWebPush(subscription, PUSH_PAYLOAD, { vapid, ttlSeconds, timeoutMs, topic: 'new-messages' });
    if (result.outcome === 'gone') await this.#options.store.deleteEndpoint(subscription.endpoint);
    if (result.outcome === 'failed') this.#options.onError(result.error, 'web push');
    this.#options.countOutcome(result.outcome);
  }
}
