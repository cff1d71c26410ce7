/**
 * The `chat.messages` outbox events of a committed batch. One event carries the whole
 * batch unless its bodies are large: events are split so none exceeds MAX_EVENT_BYTES,
 * staying well under NATS's default 1 MiB message size.
 */
import type { WireMessage } from '@twin/chat-protocol';
import type { ChatEvent } from '../core.ts';

export const MAX_EVENT_BYTES = 512 * 1024;
/** Generous estimate of a message's JSON size apart from its body. */
const ENVELOPE_BYTES = 400;

export function messagesEvents(messages: readonly WireMessage[]): ChatEvent[] {
  const events: ChatEvent[] = [];
  let current: WireMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.body.length + ENVELOPE_BYTES;
    if (current.length > 0 && bytes + size > MAX_EVENT_BYTES) {
      events.push({ type: 'chat.messages', payload: { messages: current } });
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) events.push({ type: 'chat.messages', payload: { messages: current } });
  return events;
}
