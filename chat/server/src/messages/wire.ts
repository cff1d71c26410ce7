/**
 * Log rows as the wire sees them (`WireMessage`): ids as strings, the body as base64url
 * of the stored bytes, a deleted message with an empty body and `deleted: true`.
 */
import type { WireMessage } from '@twin/chat-protocol';
import type { ChatTables } from '../migrations.ts';

export type MessageRow = ChatTables['chat_message'];

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toWireMessage(row: MessageRow): WireMessage {
  const message: WireMessage = {
    id: String(row.id),
    conversationId: String(row.conversation_id),
    seq: Number(row.seq),
    senderAccountId: String(row.sender_account_id),
    kind: row.kind as WireMessage['kind'],
    body: Number(row.deleted) === 1 ? '' : toBuffer(row.body).toString('base64url'),
    sentAt: Number(row.sent_at),
    storedAt: Number(row.stored_at),
  };
  if (row.sender_device_id !== null) message.senderDeviceId = String(row.sender_device_id);
  if (row.client_message_id !== null) message.clientMessageId = row.client_message_id;
  if (row.ref_seq !== null) message.refSeq = Number(row.ref_seq);
  if (Number(row.deleted) === 1) message.deleted = true;
  return message;
}
