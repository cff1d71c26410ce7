/**
 * @module @twin/chat-server
 * The chat server: devices, conversations, the message log, history, sync and retention
 * (the core, behind `ChatCore`), and the real-time side that runs on it.
 */
export { chatFeature, chatCoreSettings } from './feature.ts';
export { chatErrors, type ChatErrorCode } from './errors.ts';
export type { AppendResult, ChatCore, ChatEvent, ChatEventType, DeviceIdentity, NewMessage, PendingConversation } from './core.ts';
