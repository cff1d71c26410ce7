/**
 * The body of an attachment message: the pointer (id, key, digest, sizes) and an optional
 * caption, as JSON. It is sent only as the inner entry of an MLS application message
 * (kind `attachment`, a kind the server never sees), because the pointer holds the key.
 */
import { fromBase64Url, toBase64Url } from '@twin/chat-protocol';
import { parsePointer, type AttachmentPointer } from './pointer.ts';

/** The inner kind of an attachment message; it never appears in the server's log. */
export const ATTACHMENT_KIND = 'attachment';

export interface AttachmentMessage {
  readonly pointer: AttachmentPointer;
  readonly caption?: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** → the base64url wire body of the inner entry. */
export function encodeAttachmentBody(message: AttachmentMessage): string {
  return toBase64Url(utf8.encode(JSON.stringify({ p: message.pointer, ...(message.caption !== undefined ? { c: message.caption } : {}) })));
}

/** Checks a body another device sent; throws TypeError when it is not an attachment message. */
export function decodeAttachmentBody(body: string): AttachmentMessage {
  let value: { p?: unknown; c?: unknown };
  try {
    value = JSON.parse(fromUtf8.decode(fromBase64Url(body))) as typeof value;
  } catch {
    throw new TypeError('attachment message: not JSON');
  }
  if (value.c !== undefined && typeof value.c !== 'string') throw new TypeError('attachment message: caption must be a string');
  return { pointer: parsePointer(value.p), ...(value.c !== undefined ? { caption: value.c } : {}) };
}
