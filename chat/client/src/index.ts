/**
 * @module @twin/chat-client
 * The chat SDK for Node and browsers (fetch, WebSocket, WebCrypto only): device setup
 * (register or link, challenge-response tokens), a `ChatClient` that connects, resumes,
 * orders, dedupes, acks after the app stores and sends with retry, the HTTP API, encrypted
 * attachments (`AttachmentClient`), and a pluggable `ChatStore`. The terminal client
 * lives in `src/terminal/` (Node only).
 */
export { ChatClient, GatewayError, type ChatClientEvents, type ChatClientOptions, type ChatMessage } from './chat-client.ts';
export type { ConnectionEvent, ConnectionState } from './connection/gateway-connection.ts';
export type { WebSocketFactory, WebSocketLike } from './connection/web-socket.ts';
export { ensureDevice, type DeviceSetupOptions } from './device-setup.ts';
export { DeviceSession } from './device-session.ts';
export { generateDeviceKeys, signChallenge, type DeviceKeys } from './identity.ts';
export { ChatApi } from './http/chat-api.ts';
export { HttpClient } from './http/http-client.ts';
export { ChatApiError } from './http/errors.ts';
export type * from './http/types.ts';
export { SendError, type SendOutcome } from './outbox.ts';
export type { ChatStore, PendingSend, StoredDevice } from './store/interface.ts';
export { MemoryChatStore, type StoreSnapshot } from './store/memory.ts';
export { BodyTooLargeError, decodeTextBody, encodeBytesBody, encodeTextBody } from './body.ts';
export { Backoff, type BackoffOptions } from './backoff.ts';
export * from './mls/index.ts';
export {
  ATTACHMENT_KIND,
  AttachmentClient,
  AttachmentIntegrityError,
  ciphertextSize,
  decryptStream,
  encryptStream,
  parsePointer,
  type AttachmentClientOptions,
  type AttachmentIntegrityReason,
  type AttachmentMessage,
  type AttachmentPointer,
  type AttachmentSource,
  type UploadOptions,
} from './attachments/index.ts';
