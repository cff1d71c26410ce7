/**
 * The gateway's handling of the core's `chat.*` events, from two sources: this node's own,
 * handed over in-process as each transaction commits (`ChatCore.onCommittedEvents`), and
 * every other node's, from the bus in broadcast mode (`skipOwnEvents`: the bus does not
 * hand a node back its own). Each node acts for its own sockets only. One handler per
 * event type (an event type without a handler does not compile). Handlers never throw
 * back: live delivery is best effort by design — whatever a socket misses is repaired
 * from the log by the gap rule, a `sync` or the next connect — so a failure is logged and
 * a bus event acked rather than redelivered into a socket that has moved on.
 */
import type { Bus, Consumer } from '@twin/platform/bus';
import type { ChatEvent, ChatEventType } from '../core.ts';

export type ChatEventHandlers = { [T in ChatEventType]: (payload: Extract<ChatEvent, { type: T }>['payload']) => Promise<void> | void };

export const GATEWAY_GROUP = 'chat-gateway';

type MessagesEvent = Extract<ChatEvent, { type: 'chat.messages' }>;

/**
 * Runs each event's handler in order: a membership change is applied before the messages
 * that follow it. Consecutive `chat.messages` events are merged into one fan-out.
 */
export async function handleChatEvents(events: readonly ChatEvent[], handlers: Partial<ChatEventHandlers>, onError: (error: unknown, type: string) => void): Promise<void> {
  let i = 0;
  while (i < events.length) {
    const { type } = events[i]!;
    let j = i + 1;
    if (type === 'chat.messages') while (j < events.length && events[j]!.type === type) j++;
    const payload = j - i > 1 ? { messages: events.slice(i, j).flatMap((e) => (e as MessagesEvent).payload.messages) } : events[i]!.payload;
    const handler = handlers[type] as ((payload: unknown) => Promise<void> | void) | undefined;
    try {
      if (handler) await handler(payload);
    } catch (error) {
      onError(error, type);
    }
    i = j;
  }
}

export async function consumeChatEvents(options: {
  bus: Bus;
  group: string;
  subjects: readonly string[];
  mode: 'broadcast' | 'work-queue';
  skipOwnEvents?: boolean;
  handlers: Partial<ChatEventHandlers>;
  onError: (error: unknown, type: string) => void;
}): Promise<Consumer> {
  return options.bus.consume({
    group: options.group,
    subjects: options.subjects,
    mode: options.mode,
    skipOwnEvents: options.skipOwnEvents ?? false,
    batchSize: 500,
    ackTimeoutMs: 10_000,
    handler: async (deliveries) => {
      await handleChatEvents(
        deliveries.map((d) => d.event as ChatEvent),
        options.handlers,
        options.onError,
      );
      for (const delivery of deliveries) delivery.ack();
    },
  });
}
