/**
 * Registers the chat core's HTTP routes (devices, conversations, messages, sync).
 */
import type { HttpApp } from '@twin/platform';
import type { ChatCoreServices } from './chat-core.ts';
import { conversationRoutes } from './conversations/routes.ts';
import { requestDevice } from './devices/request-device.ts';
import { deviceRoutes } from './devices/routes.ts';
import { messageRoutes } from './messages/routes.ts';
import { syncRoutes } from './sync/routes.ts';

export async function chatRoutes(app: HttpApp, { core }: { core: ChatCoreServices }): Promise<void> {
  const device = requestDevice(core.devices);
  await app.register(deviceRoutes, { devices: core.devices, device });
  await app.register(conversationRoutes, { conversations: core.conversations, device, cursors: core.platform.cursors });
  await app.register(messageRoutes, { log: core.log, messages: core.messages, device });
  await app.register(syncRoutes, { cursors: core.cursors, sync: core.sync, device });
}
