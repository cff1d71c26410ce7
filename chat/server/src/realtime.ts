/**
 * The chat's real-time side, started by the chat feature: the WebSocket gateway and live
 * delivery (roles `all`/`gateway`), receipts, typing and presence fan-out (with the
 * gateway, since they only matter where sockets are), the presence HTTP routes and push
 * subscription routes (`all`/`api`), and the Web Push sender (`all`/`worker`). It uses
 * the core only through `ChatCore` and the `chat.*` bus events (core.ts).
 */
import { AUTH_TIMEOUT_MS, type AccountId, type ConversationId, type DeviceId } from '@twin/chat-protocol';
import { parsers, servesApi, variable, type HttpApp, type Platform, type Role, type Settings } from '@twin/platform';
import type { Consumer } from '@twin/platform/bus';
import type { ChatCore } from './core.ts';
import { consumeChatEvents, GATEWAY_GROUP } from './delivery/chat-events.ts';
import { DeliveryHub } from './delivery/delivery-hub.ts';
import { SendBatcher } from './delivery/send-batcher.ts';
import { Gateway } from './gateway/gateway.ts';
import { RealtimeMetrics } from './gateway/metrics.ts';
import { gatewayRoutes } from './gateway/routes.ts';
import { PresenceRegistry } from './presence/presence-registry.ts';
import { presenceRoutes } from './presence/routes.ts';
import { TypingRelay } from './presence/typing-relay.ts';
import { ReceiptFanOut } from './receipts/receipt-fan-out.ts';

export { realtimeErrors } from './gateway/errors.ts';

export const realtimeSettings = {
  wsAuthTimeoutMs: variable('CHAT_WS_AUTH_TIMEOUT', `${AUTH_TIMEOUT_MS}ms`, parsers.duration(50, 60_000), 'A WebSocket that sends no `auth` frame within this long is closed with 4001.'),
  wsHeartbeatMs: variable('CHAT_WS_HEARTBEAT', '30s', parsers.duration(50, 600_000), 'The server pings each socket this often; clients are told (in `ready`) to send something at least this often.'),
  wsIdleTimeoutMs: variable('CHAT_WS_IDLE_TIMEOUT', '75s', parsers.duration(100, 1_800_000), 'A socket from which nothing (no frame, no pong) arrived for this long is closed with 4008.'),
  wsMaxBufferedBytes: variable('CHAT_WS_MAX_BUFFERED', '1MiB', parsers.bytes(16 * 1024, 256 * 1024 * 1024), 'Bytes queued on a socket beyond which live push to it stops; it catches up from the log once drained.'),
  wsStuckTimeoutMs: variable('CHAT_WS_STUCK_TIMEOUT', '30s', parsers.duration(100, 600_000), 'A socket whose send buffer stays above CHAT_WS_MAX_BUFFERED this long is closed with 4029.'),
  wsMaxPendingSends: variable('CHAT_WS_MAX_PENDING_SENDS', '1000', parsers.integer(1, 100_000), '`send` frames one socket may have awaiting their result; beyond it they are refused (too_many_pending_sends).'),
  typingTtlMs: variable('CHAT_TYPING_TTL', '5s', parsers.duration(100, 60_000), 'A typing indicator not refreshed within this long is turned off.'),
  presenceTtlMs: variable('CHAT_PRESENCE_TTL', '45s', parsers.duration(300, 600_000), 'A gateway node that stops heartbeating for this long has its sockets counted offline.'),
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

export async function startRealtime({ platform, role, core, settings }: RealtimeContext): Promise<RunningRealtime> {
  const logger = platform.logger.child({ component: 'chat-realtime' });
  const onError = (error: unknown, context: string) => logger.error({ err: error, context }, 'chat realtime error');
  const presence = new PresenceRegistry({ cache: platform.cache, nodeId: platform.bus.nodeId, ttlMs: settings.presenceTtlMs, onError });
  const stops: Array<() => Promise<void>> = [];
  let gateway: Gateway | undefined;

  if (runsGateway(role)) {
    const hub = new DeliveryHub(core);
    const sends = new SendBatcher(core, (messages) => hub.fanOut(messages), (error) => onError(error, 'send batch'));
    const receipts = new ReceiptFanOut(hub);
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
    const consumer: Consumer = await consumeChatEvents({
      bus: platform.bus,
      group: GATEWAY_GROUP,
      subjects: ['chat.>'],
      mode: 'broadcast',
      onError: (error, type) => onError(error, type),
      handlers: {
        'chat.messages': ({ messages }) => hub.fanOut(messages),
        'chat.acked': ({ acks }) => receipts.handle('delivered', acks),
        'chat.read': ({ reads }) => receipts.handle('read', reads),
        'chat.membership': ({ conversationId, removed }) => hub.forgetMembers(conversationId as ConversationId, removed as AccountId[]),
        'chat.device-removed': ({ deviceId }) => gatewayRef?.closeDevice(deviceId as DeviceId),
      },
    });
    stops.push(async () => {
      await gatewayRef?.close();
      await sends.drain();
      await consumer.stop();
      await typing.stop();
    });
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
      if (servesApi(role)) await app.register(presenceRoutes, { core, presence });
    },
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
