/**
 * The gateway's consumer of the core's `chat.*` bus events, in broadcast mode: every
 * gateway node receives every event and acts for its own sockets only. One handler per
 * event type (an event type without a handler does not compile). Handlers never throw
 * back to the bus: live delivery is best effort by design — whatever a socket misses is
 * repaired from the log by the gap rule, a `sync` or the next connect — so a failure is
 * logged and the event acked rather than redelivered into a socket that has moved on.
 */
import type { Bus, Consumer } from '@twin/platform/bus';
import type { ChatEvent, ChatEventType } from '../core.ts';

export type ChatEventHandlers = { [T in ChatEventType]: (payload: Extract<ChatEvent, { type: T }>['payload']) => Promise<void> | void };

export const GATEWAY_GROUP = 'chat-gateway';

export async function consumeChatEvents(options: { bus: Bus; group: string; subjects: readonly string[]; mode: 'broadcast' | 'work-queue'; handlers: Partial<ChatEventHandlers>; onError: (error: unknown, type: string) => void }): Promise<Consumer> {
  return options.bus.consume({
    group: options.group,
    subjects: options.subjects,
    mode: options.mode,
    batchSize: 500,
    ackTimeoutMs: 10_000,
    handler: async (deliveries) => {
      // In publish order: a membership change is applied before the messages that follow
      // it. Consecutive `chat.messages` events are merged into one fan-out.
      let i = 0;
      while (i < deliveries.length) {
        const type = deliveries[i]!.event.type as ChatEventType;
        let j = i + 1;
        if (type === 'chat.messages') while (j < deliveries.length && deliveries[j]!.event.type === type) j++;
        const payload =
          j - i > 1
            ? { messages: deliveries.slice(i, j).flatMap((d) => (d.event.payload as Extract<ChatEvent, { type: 'chat.messages' }>['payload']).messages) }
            : deliveries[i]!.event.payload;
        const handler = options.handlers[type] as ((payload: unknown) => Promise<void> | void) | undefined;
        try {
          if (handler) await handler(payload);
        } catch (error) {
          options.onError(error, type);
        }
        for (let k = i; k < j; k++) deliveries[k]!.ack();
        i = j;
      }
    },
  });
}
