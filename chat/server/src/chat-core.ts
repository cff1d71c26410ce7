/**
 * Builds the chat core for one process from the platform and the feature's settings:
 * the services (devices, conversations, the message log, cursors, sync, retention) and
 * the `ChatCore` the real-time side runs on.
 */
import type { AccountId, DeviceId } from '@twin/chat-protocol';
import type { Platform, Settings } from '@twin/platform';
import { RosterCache } from './conversations/roster-cache.ts';
import { ConversationService } from './conversations/service.ts';
import { ChatOutbox } from './chat-outbox.ts';
import type { ChatCore } from './core.ts';
import { DeviceService } from './devices/service.ts';
import { DeviceStore } from './devices/store.ts';
import type { chatCoreSettings } from './feature.ts';
import { MessageLog } from './messages/message-log.ts';
import { MessageService } from './messages/service.ts';
import { WriteTurns } from './messages/write-turns.ts';
import { RetentionSweeper } from './retention/sweeper.ts';
import { CursorService } from './sync/cursor-service.ts';
import { SyncService } from './sync/sync-service.ts';

export type ChatCoreSettings = Settings<typeof chatCoreSettings>;

export interface ChatCoreServices {
  readonly platform: Platform;
  readonly settings: ChatCoreSettings;
  readonly devices: DeviceService;
  readonly conversations: ConversationService;
  readonly log: MessageLog;
  readonly messages: MessageService;
  readonly cursors: CursorService;
  readonly sync: SyncService;
  /** Where every service writes its events (the MLS gate too). */
  readonly outbox: ChatOutbox;
  /** The `ChatCore` contract (core.ts) for the real-time side. */
  readonly core: ChatCore;
  start(): Promise<void>;
  /** Starts the periodic retention sweep (worker roles). */
  startRetentionSweeper(): RetentionSweeper;
  /** Waits for batched appends and acks in flight, then stops listening. */
  stop(): Promise<void>;
}

export interface BuildOptions {
  /** Register this core's metrics (default true; a second core on one platform, as in tests, must not). */
  readonly metrics?: boolean;
}

export function buildChatCore(platform: Platform, settings: ChatCoreSettings, options: BuildOptions = {}): ChatCoreServices {
  const db = platform.sql.db;
  const outbox = new ChatOutbox({
    bus: platform.bus,
    notifyRelay: () => platform.outboxRelay.notify(),
    onError: (error) => platform.logger.error({ err: error }, 'chat: a listener of committed events failed'),
  });
  const isUniqueViolation = (error: unknown) => platform.sql.isUniqueViolation(error);
  const deviceStore = new DeviceStore(db);
  const devices = new DeviceService({
    store: deviceStore,
    ids: platform.ids,
    tokens: platform.tokens,
    cache: platform.cache,
    outbox,
    maxDevices: settings.maxDevices,
    linkCodeTtlMs: settings.linkCodeTtlMs,
    challengeTtlMs: settings.challengeTtlMs,
  });
  const batchSizes = options.metrics === false ? undefined : platform.metrics.histogram('chat_append_batch_size', 'Messages per group-commit transaction.', [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  // Appends and acks of one event-loop turn commit together.
  const turns = new WriteTurns({ db, outbox, isRetryable: isUniqueViolation });
  const log = new MessageLog({ ids: platform.ids, turns, rowLocks: platform.sql.capabilities.supportsRowLocks, ...(batchSizes ? { onBatch: (n: number) => batchSizes.observe(n) } : {}) });
  let conversations!: ConversationService;
  const rosters = new RosterCache(platform.cache, (id) => conversations.loadMembers(id));
  conversations = new ConversationService({ db, ids: platform.ids, outbox, log, rosters, isUniqueViolation, groupMaxMembers: settings.groupMaxMembers });
  const messages = new MessageService({ db, outbox, log, conversations, cursors: platform.cursors });
  const cursors = new CursorService({ db, outbox, turns });
  const sync = new SyncService({ cursors, messages, codec: platform.cursors });

  const core: ChatCore = {
    authenticateDevice: (token) => devices.authenticate(token),
    appendMessages: (sender, batch, options) => log.append(sender, batch, options),
    readAfter: (reader, conversationId, afterSeq, limit) => messages.readAfter(reader, conversationId, afterSeq, limit),
    pendingConversations: (device) => cursors.pending(device),
    ack: (device, conversationId, seq) => cursors.ack(device, conversationId, seq),
    markRead: async (reader, conversationId, seq) => {
      await cursors.markRead(reader, conversationId, seq);
    },
    membersOf: (conversationId) => rosters.get(conversationId),
    devicesOf: async (accountIds) =>
      (await deviceStore.activeOf(accountIds)).map((d) => ({ accountId: String(d.account_id) as AccountId, deviceId: String(d.id) as DeviceId })),
    shareAConversation: (a, b) => conversations.shareAConversation(a, b),
    onCommittedEvents: (listener) => outbox.onCommitted(listener),
  };

  return {
    platform,
    settings,
    devices,
    conversations,
    log,
    messages,
    cursors,
    sync,
    outbox,
    core,
    async start() {
      await rosters.start();
    },
    startRetentionSweeper() {
      const deleted = options.metrics === false ? undefined : platform.metrics.counter('chat_retention_deleted_total', 'Log entries deleted by the retention sweeper.');
      const sweeper = new RetentionSweeper({
        db,
        policy: settings.retention,
        undeliveredMaxAgeMs: settings.undeliveredMaxAgeMs,
        intervalMs: settings.retentionSweepIntervalMs,
        logger: platform.logger,
        ...(deleted ? { onDeleted: (n: number) => deleted.inc(n) } : {}),
      });
      sweeper.start();
      return sweeper;
    },
    async stop() {
      await turns.drain();
      await rosters.stop();
    },
  };
}
