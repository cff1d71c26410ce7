/**
 * Registers the chat core's HTTP routes (devices, conversations, messages, sync, attachments, the MLS Delivery Service).
 */
import type { HttpApp } from '@twin/platform';
import type { ChatCoreServices } from './chat-core.ts';
import { attachmentRoutes, attachmentServiceOf } from './attachments/index.ts';
import { conversationRoutes } from './conversations/routes.ts';
import { requestDevice } from './devices/request-device.ts';
import { deviceRoutes } from './devices/routes.ts';
import { messageRoutes } from './messages/routes.ts';
import { buildMls, mlsRoutes } from './mls/index.ts';
import { syncRoutes } from './sync/routes.ts';

export async function chatRoutes(app: HttpApp, { core }: { core: ChatCoreServices }): Promise<void> {
  const device = requestDevice(core.devices);
  await app.register(deviceRoutes, { devices: core.devices, device });
  await app.register(conversationRoutes, { conversations: core.conversations, device, cursors: core.platform.cursors });
  await app.register(messageRoutes, { log: core.log, messages: core.messages, device });
  await app.register(syncRoutes, { cursors: core.cursors, sync: core.sync, device });
  await app.register(attachmentRoutes, { attachments: attachmentServiceOf(core), device });
  const { mlsMaxCommitBytes: maxCommitBytes, mlsMaxWelcomeBytes: maxWelcomeBytes } = core.settings;
  await app.register(mlsRoutes, { ...buildMls(core), device, maxCommitBytes, maxWelcomeBytes });
}
