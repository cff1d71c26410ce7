/**
 * The seam between the chat core (devices, conversations, the message log — SQL-backed,
 * in `devices/`, `conversations/`, `messages/`) and the real-time side (gateway,
 * delivery, receipts, presence, push — in `gateway/`, `delivery/`, `receipts/`,
 * `presence/`, `push/`). The core implements `ChatCore`; the real-time side uses only
 * this interface and the bus events below, so each side can be read and tested alone.
 */
import type { AccountId, ClientMessageId, ConversationId, DeviceId, MessageId, WireMessage } from '@twin/chat-protocol';

/** Who is acting: every core call is authorised against it. */
export interface DeviceIdentity {
  readonly accountId: AccountId;
  readonly deviceId: DeviceId;
}

export interface NewMessage {
  readonly conversationId: ConversationId;
  readonly clientMessageId: ClientMessageId;
  readonly kind: 'message' | 'receipt' | 'mls' | 'reaction';
  /** Opaque; never parsed by the server. At most MAX_BODY_BYTES. */
  readonly body: Uint8Array;
  readonly sentAt: number;
}

export interface AppendResult {
  readonly conversationId: ConversationId;
  readonly clientMessageId: ClientMessageId;
  readonly messageId: MessageId;
  readonly seq: number;
  readonly storedAt: number;
  /** The same (sender device, clientMessageId) was stored before: this is the original. */
  readonly duplicate: boolean;
}

/** A conversation the device has not acked to its end. */
export interface PendingConversation {
  readonly conversationId: ConversationId;
  /** The device's cursor: everything up to here is acked. 0 when it never acked. */
  readonly ackedSeq: number;
  readonly lastSeq: number;
}

export interface ChatCore {
  /**
   * Verifies a device access token (signature, expiry, device not removed).
   * Throws AppError `unauthorized` / `token_expired` / `device_revoked`.
   */
  authenticateDevice(accessToken: string): Promise<DeviceIdentity>;

  /**
   * Appends messages (group commit: calls arriving within one tick share one transaction,
   * one seq range per conversation, one outbox event). Each entry settles alone: a
   * non-member gets AppError `not_a_member` (403), an unknown conversation `conversation_not_found`
   * (404), an oversized body `payload_too_large` (413) — without failing the others.
   * `gathered`: the caller has collected a turn's appends itself, so the transaction starts
   * as soon as the current callback is done rather than a turn later.
   */
  appendMessages(sender: DeviceIdentity, messages: readonly NewMessage[], options?: { gathered?: boolean }): Promise<PromiseSettledResult<AppendResult>[]>;

  /**
   * Messages of one conversation with `seq > afterSeq`, ascending, at most `limit`, as the
   * device may see them (tombstoned ones with empty body). Throws `not_a_member` when the
   * device's account is not a member now; a removed member sees nothing, including
   * messages from before its removal (WhatsApp keeps them on the device, not the server).
   */
  readAfter(reader: DeviceIdentity, conversationId: ConversationId, afterSeq: number, limit: number): Promise<WireMessage[]>;

  /** The conversations where this device's acked cursor is behind the log's end, oldest activity first. */
  pendingConversations(device: DeviceIdentity): Promise<PendingConversation[]>;

  /**
   * Moves the device's cursor forward to `seq` (never backwards; beyond the log's end is
   * clamped). Batched internally. Returns the new cursor. Drives `delivered` receipts and
   * `until-delivered` retention through the `chat.acked` event.
   */
  ack(device: DeviceIdentity, conversationId: ConversationId, seq: number): Promise<number>;

  /** Records that the account read the conversation up to `seq`; emits `chat.read`. */
  markRead(reader: DeviceIdentity, conversationId: ConversationId, seq: number): Promise<void>;

  /** Current member accounts (cached; invalidated by `chat.membership` events). */
  membersOf(conversationId: ConversationId): Promise<readonly AccountId[]>;

  /** Devices of the accounts (for push and presence). */
  devicesOf(accountIds: readonly AccountId[]): Promise<readonly DeviceIdentity[]>;

  /** Whether two accounts share at least one conversation (presence privacy). */
  shareAConversation(a: AccountId, b: AccountId): Promise<boolean>;

  /**
   * Calls `listener` with the events of each of this node's transactions right after it
   * commits, before its callers hear back: the same events the bus carries to other nodes,
   * which it does not hand back to this node's `skipOwnEvents` members. Read-only: every
   * listener gets the same objects. Returns the unsubscribe.
   */
  onCommittedEvents(listener: (events: readonly ChatEvent[]) => void): () => void;
}

/**
 * Bus events the core writes through its outbox (subjects under `chat.`). Payloads are
 * batches: one event may carry many items.
 */
export type ChatEvent =
  /** New log entries (messages, system entries, tombstones), committed. */
  | { type: 'chat.messages'; payload: { messages: WireMessage[] } }
  /** Device cursors moved (from acks). */
  | { type: 'chat.acked'; payload: { acks: Array<{ accountId: AccountId; deviceId: DeviceId; conversationId: ConversationId; seq: number; at: number }> } }
  | { type: 'chat.read'; payload: { reads: Array<{ accountId: AccountId; deviceId: DeviceId; conversationId: ConversationId; seq: number; at: number }> } }
  /** Members added or removed: gateways drop cached rosters and stop delivering to removed members. */
  | { type: 'chat.membership'; payload: { conversationId: ConversationId; added: AccountId[]; removed: AccountId[] } }
  /** A device was removed: gateways close its sockets with 4003, push drops its subscriptions. */
  | { type: 'chat.device-removed'; payload: { accountId: AccountId; deviceId: DeviceId } };

export type ChatEventType = ChatEvent['type'];
