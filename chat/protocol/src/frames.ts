/**
 * The chat gateway's WebSocket protocol, version 1: every frame is one JSON text message
 * with a `type`. The schemas here validate frames on the server and type them in the SDK.
 *
 * Lifecycle: connect to `/v1/chat/ws` with subprotocol `twin-chat.v1` → send `auth` with a
 * device access token within AUTH_TIMEOUT_MS → `ready` → the server streams what the
 * device missed (from its acked cursor, in `deliver` pages, conversation by conversation,
 * in `seq` order) and then live messages, with `caught-up` once the backlog is drained.
 * The device acks cumulatively per conversation once it has stored messages; its cursor
 * moves only on ack, so anything unacked is delivered again on the next connect
 * (at-least-once on the wire; the SDK dedupes by `(conversationId, seq)` → exactly once
 * on screen). A message is not pushed live back to the socket that sent it: its
 * `send-result` carries the seq, and the device stores and acks it like a delivered one
 * (the account's other devices get it delivered; a catch-up reads everything after the
 * acked cursor, the device's own messages included). Message bodies are opaque bytes
 * (base64url): the server never parses them.
 */
import { Type, type Static } from 'typebox';
import { MAX_PAGE_MESSAGES } from './limits.ts';

export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = 'twin-chat.v1';
export const GATEWAY_PATH = '/v1/chat/ws';

const Id = Type.String({ pattern: '^[0-9]{1,20}$', description: 'Snowflake id (decimal string).' });
const ClientMessageId = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'Chosen by the sending device; a resend with the same id returns the original seq.' });
const Seq = Type.Integer({ minimum: 1, description: 'Position in the conversation log, gapless from 1.' });
const Body = Type.String({ pattern: '^[A-Za-z0-9_-]*$', description: 'Opaque bytes, base64url without padding (≤ 64 KiB decoded).' });
/** Echoed in `error` frames so a client can match an error to the frame that caused it. */
const Ref = Type.Optional(Type.String({ maxLength: 64 }));

/** Kinds a device may send. `system` and `tombstone` entries are written by the server only. */
export const ClientMessageKind = Type.Union([Type.Literal('message'), Type.Literal('receipt'), Type.Literal('mls'), Type.Literal('reaction')]);
export const MessageKind = Type.Union([ClientMessageKind, Type.Literal('system'), Type.Literal('tombstone')]);
export type MessageKind = Static<typeof MessageKind>;

/** One entry of a conversation log, as delivered and as returned by history and sync. */
export const WireMessage = Type.Object({
  id: Id,
  conversationId: Id,
  seq: Seq,
  senderAccountId: Id,
  /** Absent on server-written entries (`system`). */
  senderDeviceId: Type.Optional(Id),
  clientMessageId: Type.Optional(ClientMessageId),
  kind: MessageKind,
  body: Body,
  /** When the sender says it sent it (epoch ms, untrusted). */
  sentAt: Type.Integer(),
  /** When the server stored it (epoch ms). */
  storedAt: Type.Integer(),
  /** For a `tombstone`: the seq it deletes. A deleted message is delivered with an empty body and `deleted: true`. */
  refSeq: Type.Optional(Seq),
  deleted: Type.Optional(Type.Boolean()),
});
export type WireMessage = Static<typeof WireMessage>;

// ---- client → server ----

export const AuthFrame = Type.Object({ type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 4096 }), ref: Ref });
export const SendFrame = Type.Object({
  type: Type.Literal('send'),
  clientMessageId: ClientMessageId,
  conversationId: Id,
  kind: ClientMessageKind,
  body: Body,
  sentAt: Type.Integer({ minimum: 0 }),
  ref: Ref,
});
/** Cumulative: the device has stored every message of the conversation up to `seq`. */
export const AckFrame = Type.Object({ type: Type.Literal('ack'), conversationId: Id, seq: Seq, ref: Ref });
/** The account has read the conversation up to `seq`. Delivered receipts come from acks, not from this frame. */
export const ReadFrame = Type.Object({ type: Type.Literal('read'), conversationId: Id, seq: Seq, ref: Ref });
export const TypingFrame = Type.Object({ type: Type.Literal('typing'), conversationId: Id, active: Type.Boolean(), ref: Ref });
/** Replaces the set of accounts whose presence this socket follows (each must share a conversation with the caller). */
export const PresenceSubscribeFrame = Type.Object({ type: Type.Literal('presence-subscribe'), accountIds: Type.Array(Id, { maxItems: 1024 }), ref: Ref });
/**
 * Asks for (re)delivery: one conversation after `afterSeq` (gap repair), or, without a
 * conversation, everything after the device's acked cursors (as on connect).
 */
export const SyncFrame = Type.Object({ type: Type.Literal('sync'), conversationId: Type.Optional(Id), afterSeq: Type.Optional(Type.Integer({ minimum: 0 })), ref: Ref });
/** Application-level heartbeat (browsers cannot send WebSocket pings); answered by `pong`. */
export const PingFrame = Type.Object({ type: Type.Literal('ping'), ref: Ref });

export const ClientFrame = Type.Union([AuthFrame, SendFrame, AckFrame, ReadFrame, TypingFrame, PresenceSubscribeFrame, SyncFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ['auth', 'send', 'ack', 'read', 'typing', 'presence-subscribe', 'sync', 'ping'];

// ---- server → client ----

export const ReadyFrame = Type.Object({
  type: Type.Literal('ready'),
  protocol: Type.Literal(PROTOCOL_VERSION),
  accountId: Id,
  deviceId: Id,
  /** Send something (a `ping` at least) at least this often or be closed with 4008. */
  heartbeatMs: Type.Integer(),
  serverTime: Type.Integer(),
});
export const SendResultFrame = Type.Object({
  type: Type.Literal('send-result'),
  clientMessageId: ClientMessageId,
  conversationId: Id,
  messageId: Id,
  seq: Seq,
  storedAt: Type.Integer(),
  /** True when this (device, clientMessageId) was already stored: the original seq is returned. */
  duplicate: Type.Boolean(),
});
/** Messages in `seq` order per conversation; one frame may carry several conversations' messages. */
export const DeliverFrame = Type.Object({ type: Type.Literal('deliver'), messages: Type.Array(WireMessage, { maxItems: MAX_PAGE_MESSAGES }) });
/** The backlog requested by connect or `sync` has been delivered; what follows is live. */
export const CaughtUpFrame = Type.Object({ type: Type.Literal('caught-up'), conversationId: Type.Optional(Id) });
/** Cumulative receipt for messages the receiving account sent: `accountId` has them delivered (some device acked) or read, up to `seq`. */
export const ReceiptFrame = Type.Object({
  type: Type.Literal('receipt'),
  conversationId: Id,
  accountId: Id,
  deviceId: Type.Optional(Id),
  status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
  seq: Seq,
  at: Type.Integer(),
});
export const TypingEventFrame = Type.Object({ type: Type.Literal('typing'), conversationId: Id, accountId: Id, deviceId: Id, active: Type.Boolean() });
export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  accountId: Id,
  online: Type.Boolean(),
  /** Epoch ms; absent when the account hides its last-seen time. */
  lastSeenAt: Type.Optional(Type.Integer()),
});
export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  /** Stable code, shared with the HTTP error envelope where the meaning is the same. */
  code: Type.String(),
  message: Type.String(),
  retryable: Type.Boolean(),
  /** The `ref` (or, for `send`, the clientMessageId) of the frame this answers. */
  ref: Type.Optional(Type.String()),
});
export const PongFrame = Type.Object({ type: Type.Literal('pong'), ref: Ref, serverTime: Type.Integer() });

export const ServerFrame = Type.Union([ReadyFrame, SendResultFrame, DeliverFrame, CaughtUpFrame, ReceiptFrame, TypingEventFrame, PresenceFrame, ErrorFrame, PongFrame]);
export type ServerFrame = Static<typeof ServerFrame>;
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;
