/**
 * Shapes of the chat HTTP API's requests and answers as the SDK uses them (the server's
 * TypeBox schemas at /docs are the authority; these mirror them for the browser, which
 * cannot import server code).
 */
import type { AccountId, ConversationId, DeviceId, MessageId, WireMessage } from '@twin/chat-protocol';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  accountId: AccountId;
}

export interface Account {
  id: AccountId;
  handle: string;
  createdAt: number;
}

export interface DeviceInfo {
  deviceId: DeviceId;
  accountId?: AccountId;
  name: string;
  publicKey: string;
  createdAt: number;
}

export interface DeviceToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  accountId: AccountId;
  deviceId: DeviceId;
}

export interface LinkCode {
  code: string;
  expiresAt: number;
}

export interface ConversationMember {
  accountId: AccountId;
  role: 'admin' | 'member';
  joinedAt: number;
}

export interface Conversation {
  id: ConversationId;
  type: 'direct' | 'group';
  title?: string;
  avatarBlobKey?: string;
  members: ConversationMember[];
  lastSeq: number;
  createdAt: number;
}

export interface SendResult {
  messageId: MessageId;
  seq: number;
  storedAt: number;
  duplicate: boolean;
}

export interface MessagePage {
  messages: WireMessage[];
  nextCursor?: string;
}

export interface SyncPage {
  messages: WireMessage[];
  cursor: string;
  hasMore: boolean;
}

export interface Presence {
  accountId: AccountId;
  online: boolean;
  lastSeenAt?: number;
}

export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}
