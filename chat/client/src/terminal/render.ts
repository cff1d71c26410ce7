/**
 * How the terminal shows things: one line per message with time, sender and text, and
 * receipts as ✓ (stored on the server), ✓✓ (delivered to a device of every other
 * member) and ✓✓ read (read by every other member).
 */
import { decodeTextBody } from '../body.ts';
import type { ChatMessage } from '../chat-client.ts';

export type Tick = '…' | '✓' | '✓✓' | '✓✓ read';

export function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function messageLine(message: ChatMessage, senderName: string, tick?: Tick): string {
  const when = clock(message.storedAt);
  if (message.kind === 'tombstone') return `[${when}] ${senderName} deleted message #${message.refSeq}`;
  if (message.deleted) return `[${when}] #${message.seq} ${senderName}: (deleted)`;
  if (message.kind === 'system') return `[${when}] · ${systemText(message.body)}`;
  if (message.decryptionError) return `[${when}] #${message.seq} ${senderName}: (cannot decrypt: ${message.decryptionError})`;
  if (message.attachment) return `[${when}] #${message.seq} ${senderName}: [file ${message.attachment.name ?? 'unnamed'}, ${message.attachment.plainSize} bytes]${message.text ? ` ${message.text}` : ''}${tick ? `  ${tick}` : ''}`;
  if (message.kind !== 'message') return `[${when}] #${message.seq} ${senderName}: (${message.kind})`;
  return `[${when}] #${message.seq} ${senderName}: ${message.text ?? ''}${tick ? `  ${tick}` : ''}`;
}

/** System entries carry server-written JSON (e.g. `{"event":"member_added",...}`). */
function systemText(body: string): string {
  try {
    const json = JSON.parse(decodeTextBody(body)) as { event?: string };
    return json.event?.replace(/_/g, ' ') ?? 'update';
  } catch {
    return 'update';
  }
}

/** The tick for one of our messages, given the lowest delivered/read seq over the other members. */
export function tickFor(seq: number, delivered: number, read: number): Tick {
  if (read >= seq) return '✓✓ read';
  if (delivered >= seq) return '✓✓';
  return '✓';
}
