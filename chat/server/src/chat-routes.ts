/**
 * Registers the chat core's HTTP routes (devices, conversations, messages, sync).
 */
import type { HttpApp } from '@twin/platform';
import type { ChatCoreServices } from './chat-core.ts';
import { requestDevice } from './devices/request-device.ts';
import { deviceRoutes } from './devices/routes.ts';

export async function chatRoutes(app: HttpApp, { core }: { core: ChatCoreServices }): Promise<void> {
  const device = requestDevice(core.devices);
  await app.register(deviceRoutes, { devices: core.devices, device });
}
