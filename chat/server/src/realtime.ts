/**
 * The chat's real-time side, started by the chat feature: the WebSocket gateway and live
 * delivery (roles `all`/`gateway`), receipts, typing and presence fan-out (with the
 * gateway, since they only matter where sockets are), the presence HTTP routes and push
 * subscription routes (`all`/`api`), and the Web Push sender (`all`/`worker`). It uses
 * the core only through `ChatCore` and the `chat.*` bus events (core.ts).
 */
import { AUTH_TIMEOUT_MS, type AccountId, type ConversationId, type DeviceId, type WireMessage } from '@twin/chat-protocol';
import { parsers, servesApi, variable, type HttpApp, type Platform, type Role, type Settings } from '@twin/platform';
import type { Consumer } from '@twin/platform/bus';
import type { ChatCore } from './core.ts';
import { consumeChatEvents, GATEWAY_GROUP, handleChatEvents, type ChatEventHandlers } from './delivery/chat-events.ts';
import { DeliveryHub } from './delivery/delivery-hub.ts';
import type { DeviceStream } from './delivery/device-stream.ts';
import { SendBatcher } from './delivery/send-batcher.ts';
import { Gateway } from './gateway/gateway.ts';
import { RealtimeMetrics } from './gateway/metrics.ts';
import { gatewayRoutes } from './gateway/routes.ts';
import { PresenceRegistry } from './presence/presence-registry.ts';
import { presenceRoutes } from './presence/routes.ts';
import { TypingRelay } from './presence/typing-relay.ts';
import { ReceiptFanOut } from './receipts/receipt-fan-out.ts';
import webpush from 'web-push';
import { PushNotifier } from './push/push-notifier.ts';
import { pushRoutes } from './push/routes.ts';
import { PushStore } from './push/store.ts';

export { realtimeErrors } from './gateway/errors.ts';
export { pushMigrations } from './push/migrations.ts';

export const realtimeSettings = {
  wsAuthTimeoutMs: variable('CHAT_WS_AUTH_TIMEOUT', `${AUTH_TIMEOUT_MS}ms`, parsers.duration(50, 60_000), 'A WebSocket that sends no `auth` frame within this long is closed with 4001.'),
  wsHeartbeatMs: variable('CHAT_WS_HEARTBEAT', '30s', parsers.duration(50, 600_000), 'The server pings each socket this often; clients are told (in `ready`) to send something at least this often.'),
  wsIdleTimeoutMs: variable('CHAT_WS_IDLE_TIMEOUT', '75s', parsers.duration(100, 1_800_000), 'A socket from which nothing (no frame, no pong) arrived for this long is closed with 4008.'),
  wsMaxBufferedBytes: variable('CHAT_WS_MAX_BUFFERED', '1MiB', parsers.bytes(16 * 1024, 256 * 1024 * 1024), 'Bytes queued on a socket beyond which live push to it stops; it catches up from the log once drained.'),
  wsStuckTimeoutMs: variable('CHAT_WS_STUCK_TIMEOUT', '30s', parsers.duration(100, 600_000), 'A socket whose send buffer stays above CHAT_WS_MAX_BUFFERED this long is closed with 4029.'),
  wsMaxPendingSends: variable('CHAT_WS_MAX_PENDING_SENDS', '1000', parsers.integer(1, 100_000), '`send` frames one socket may have awaiting their result; beyond it they are refused (too_many_pending_sends).'),
  typingTtlMs: variable('CHAT_TYPING_TTL', '5s', parsers.duration(100, 60_000), 'A typing indicator not refreshed within this long is turned off.'),
  presenceTtlMs: variable('CHAT_PRESENCE_TTL', '45s', parsers.duration(300, 600_000), 'A gateway node that stops heartbeating for this long has its sockets counted offline.'),
  vapidPublicKey: variable('CHAT_VAPID_PUBLIC_KEY', undefined, parsers.string, 'VAPID public key (base64url P-256 point) for Web Push; unset → a key pair is generated once and kept in SQL (shared by all nodes).'),
  vapidPrivateKey: variable('CHAT_VAPID_PRIVATE_KEY', undefined, parsers.string, 'VAPID private key (base64url), set together with CHAT_VAPID_PUBLIC_KEY.'),
  vapidSubject: variable('CHAT_VAPID_SUBJECT', 'mailto:admin@twin.invalid', parsers.url('mailto:', 'https:'), 'Contact the push services see in the VAPID token (mailto: or https: URL).'),
  pushCoalesceMs: variable('CHAT_PUSH_COALESCE', '60s', parsers.duration(0, 86_400_000), 'After a push, a device gets no other one for this long unless it acks first.'),
  pushTtlMs: variable('CHAT_PUSH_TTL', '24h', parsers.duration(0, 2_419_200_000), 'How long the push service keeps an undelivered wake-up (RFC 8030 TTL).'),
  pushAllowHttp: variable('CHAT_PUSH_ALLOW_HTTP', 'false', parsers.boolean, 'Accept http:// push endpoints (tests against a local endpoint only; real push services are https).'),
};

export type RealtimeSettings = Settings<typeof realtimeSettings>;

export interface RealtimeContext {
  readonly platform: Platform;
  readonly role: Role;
  readonly core: ChatCore;
  readonly settings: RealtimeSettings;
}

export interface RunningRealtime {
  register(app: HttpApp): Promise<void>;
  stop(): Promise<void>;
}

const runsGateway = (role: Role) => role === 'all' || role === 'gateway';
const runsWorker = (role: Role) => role === 'all' || role === 'worker';
const PUSH_GROUP = 'chat-push';

export async function startRealtime({ platform, role, core, settings }: RealtimeContext): Promise<RunningRealtime> {
  const logger = platform.logger.child({ component: 'chat-realtime' });
  const onError = (error: unknown, context: string) => logger.error({ err: error, context }, 'chat realtime error');
  const presence = new PresenceRegistry({ cache: platform.cache, nodeId: platform.bus.nodeId, ttlMs: settings.presenceTtlMs, onError });
  const stops: Array<() => Promise<void>> = [];
  let gateway: Gateway | undefined;

  if (runsGateway(role)) {
    const hub = new DeliveryHub(core);
    const receipts = new ReceiptFanOut(hub);
    // Every fan-out, local or from the bus, tells the receipts who wrote what.
    const fanOut = (messages: readonly WireMessage[], sentBy?: ReadonlyMap<WireMessage, DeviceStream>) => {
      receipts.noteMessages(messages);
      return hub.fanOut(messages, sentBy);
    };
    const sends = new SendBatcher(core, (error) => onError(error, 'send batch'));
    let gatewayRef: Gateway | undefined;
    const metrics = new RealtimeMetrics(platform.metrics, () => gatewayRef?.openSockets ?? 0);
    const typing = new TypingRelay({ cache: platform.cache, ttlMs: settings.typingTtlMs, deliverLocal: (event) => void gatewayRef?.deliverTyping(event).catch((error: unknown) => onError(error, 'typing')), onError });
    gateway = gatewayRef = new Gateway({
      core,
      hub,
      sends,
      presence,
      typing,
      metrics,
      logger,
      authTimeoutMs: settings.wsAuthTimeoutMs,
      heartbeatMs: settings.wsHeartbeatMs,
      idleTimeoutMs: settings.wsIdleTimeoutMs,
      maxBufferedBytes: settings.wsMaxBufferedBytes,
      stuckTimeoutMs: settings.wsStuckTimeoutMs,
      maxPendingSends: settings.wsMaxPendingSends,
      isShuttingDown: () => platform.shuttingDown,
    });
    await presence.start((change) => gatewayRef?.deliverPresence(change));
    await typing.start();
    const handlers: ChatEventHandlers = {
      'chat.messages': ({ messages }) => fanOut(messages),
      'chat.acked': ({ acks }) => receipts.handle('delivered', acks),
      'chat.read': ({ reads }) => receipts.handle('read', reads),
      'chat.membership': ({ conversationId, added, removed }) => hub.membershipChanged(conversationId as ConversationId, added as AccountId[], removed as AccountId[]),
      'chat.device-removed': ({ deviceId }) => gatewayRef?.closeDevice(deviceId as DeviceId),
    };
    // This node's own events, as each of its transactions commits, one batch after the other.
    let ownEvents = Promise.resolve();
    const stopOwnEvents = core.onCommittedEvents((events) => {
      // Now, while the send frames are not yet answered: the senders are known until then.
      const sentBy = sends.sentBy(events);
      const local: ChatEventHandlers = { ...handlers, 'chat.messages': ({ messages }) => fanOut(messages, sentBy) };
      ownEvents = ownEvents.then(() => handleChatEvents(events, local, onError));
    });
    // The other nodes' events: the bus does not hand this node back its own.
    const consumer: Consumer = await consumeChatEvents({
      bus: platform.bus,
      group: GATEWAY_GROUP,
      subjects: ['chat.>'],
      mode: 'broadcast',
      skipOwnEvents: true,
      onError: (error, type) => onError(error, type),
      handlers,
    });
    stops.push(async () => {
      await gatewayRef?.close();
      await sends.drain();
      stopOwnEvents();
      await ownEvents;
      await consumer.stop();
      await typing.stop();
    });
  }
  const pushStore = new PushStore(platform.sql.db);
  let vapid: Promise<{ publicKey: string; privateKey: string }> | undefined;
  const vapidKeys = () => {
    if (settings.vapidPublicKey && settings.vapidPrivateKey) return Promise.resolve({ publicKey: settings.vapidPublicKey, privateKey: settings.vapidPrivateKey });
    vapid ??= pushStore.vapidKeys(() => webpush.generateVAPIDKeys());
    return vapid;
  };
  if (Boolean(settings.vapidPublicKey) !== Boolean(settings.vapidPrivateKey)) throw new Error('CHAT_VAPID_PUBLIC_KEY and CHAT_VAPID_PRIVATE_KEY must be set together');

  if (runsWorker(role)) {
    const pushMetrics = platform.metrics.counter('chat_push_notifications_total', 'Web Push requests by outcome (sent, gone, failed, coalesced).', ['outcome']);
    const notifier = new PushNotifier({
      core,
      presence,
      store: pushStore,
      cache: platform.cache,
      vapid: { subject: settings.vapidSubject, ...(await vapidKeys()) },
      coalesceMs: settings.pushCoalesceMs,
      ttlSeconds: Math.floor(settings.pushTtlMs / 1000),
      timeoutMs: 10_000,
      countOutcome: (outcome) => pushMetrics.inc({ outcome }),
      onError,
    });
    const pushConsumer = await consumeChatEvents({
      bus: platform.bus,
      group: PUSH_GROUP,
      subjects: ['chat.>'],
      mode: 'work-queue',
      onError: (error, type) => onError(error, type),
      handlers: {
        'chat.messages': ({ messages }) => notifier.onMessages(messages),
        'chat.acked': ({ acks }) => notifier.onAcked(acks.map((a) => a.deviceId)),
        'chat.device-removed': ({ deviceId }) => notifier.onDeviceRemoved(deviceId),
      },
    });
    stops.push(() => pushConsumer.stop());
  }
  stops.push(() => presence.stop());

  return {
    async register(app) {
      if (gateway) {
        const running = gateway;
        running.attach(app);
        // Close sockets before the HTTP server waits for its connections to end.
        app.addHook('preClose', async () => running.close());
        await app.register(gatewayRoutes);
      }
      if (servesApi(role)) {
        await app.register(presenceRoutes, { core, presence });
        await app.register(pushRoutes, { store: pushStore, vapidPublicKey: async () => (await vapidKeys()).publicKey, allowHttp: settings.pushAllowHttp });
      }
    },
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
