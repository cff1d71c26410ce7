/**
 * The WebSocket send path. `send` frames from every socket of this node are collected
 * for one event-loop turn and handed to `core.appendMessages` together (one call per
 * sending device, all in the same tick and marked `gathered`, so the core's group commit
 * puts them in one transaction that starts at once). Each frame is answered alone —
 * `send-result`, or `error` with the clientMessageId as ref — after the commit. The
 * committed messages reach this node's sockets through the core's committed events,
 * before the frames are answered; until then `sentBy` tells that fan-out which socket
 * sent each message: that socket has it from its send-result, so it is not sent back
 * (the account's other devices still get it), as WhatsApp and Signal do.
 */
import type { ClientFrameOf, ConversationId, WireMessage } from '@twin/chat-protocol';
import type { AppendResult, ChatCore, ChatEvent, NewMessage } from '../core.ts';
import type { DeviceStream } from './device-stream.ts';

export interface SendOrigin {
  /** The sending socket's delivery stream (its `identity` is the sender's). */
  readonly stream: DeviceStream;
  /** Answers the frame (send-result or error); the origin decides whether its socket is still open. */
  settle(frame: ClientFrameOf<'send'>, outcome: PromiseSettledResult<AppendResult>): void;
}

interface Pending {
  readonly origin: SendOrigin;
  readonly frames: Array<ClientFrameOf<'send'>>;
  readonly messages: NewMessage[];
}

export class SendBatcher {
  readonly #core: ChatCore;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<SendOrigin, Pending>();
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();
  /** The socket each frame handed to the core came from, by sender device and clientMessageId, until it is answered. */
  readonly #senders = new Map<string, DeviceStream>();

  constructor(core: ChatCore, onError: (error: unknown) => void) {
    this.#core = core;
    this.#onError = onError;
  }

  /** For committed events' messages: the socket of this node that sent each one, where its frame is not answered yet. */
  sentBy(events: readonly ChatEvent[]): Map<WireMessage, DeviceStream> {
    const sentBy = new Map<WireMessage, DeviceStream>();
    if (this.#senders.size === 0) return sentBy;
    for (const event of events) {
      if (event.type !== 'chat.messages') continue;
      for (const message of event.payload.messages) {
        if (message.senderDeviceId === undefined || message.clientMessageId === undefined) continue; // written by the server
        const stream = this.#senders.get(senderKey(message.senderDeviceId, message.clientMessageId));
        if (stream) sentBy.set(message, stream);
      }
    }
    return sentBy;
  }

  /** Queues one validated `send` frame whose body is already decoded. */
  enqueue(origin: SendOrigin, frame: ClientFrameOf<'send'>, body: Uint8Array): void {
    let pending = this.#pending.get(origin);
    if (!pending) this.#pending.set(origin, (pending = { origin, frames: [], messages: [] }));
    pending.frames.push(frame);
    pending.messages.push({ conversationId: frame.conversationId as ConversationId, clientMessageId: frame.clientMessageId as NewMessage['clientMessageId'], kind: frame.kind, body, sentAt: frame.sentAt });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Resolves when every batch handed to the core has been answered (shutdown). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#scheduled) await Promise.allSettled([...this.#inFlight, new Promise((r) => setImmediate(r))]);
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    const work = this.#append(batch).catch(this.#onError);
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #append(batch: Pending[]): Promise<void> {
    const senders = batch.flatMap(({ origin, frames }) => frames.map((frame) => [senderKey(origin.stream.identity.deviceId, frame.clientMessageId), origin.stream] as const));
    for (const [key, stream] of senders) this.#senders.set(key, stream);
    try {
      await this.#appendAndAnswer(batch);
    } finally {
      for (const [key] of senders) this.#senders.delete(key);
    }
  }

  async #appendAndAnswer(batch: Pending[]): Promise<void> {
    const settled = await Promise.all(
      batch.map(async (pending) => {
        try {
          return await this.#core.appendMessages(pending.origin.stream.identity, pending.messages, { gathered: true });
        } catch (error) {
          return pending.messages.map((): PromiseSettledResult<AppendResult> => ({ status: 'rejected', reason: error }));
        }
      }),
    );
    batch.forEach((pending, i) => {
      const outcomes = settled[i]!;
      pending.frames.forEach((frame, j) => pending.origin.settle(frame, outcomes[j] ?? { status: 'rejected', reason: new Error('no result from appendMessages') }));
    });
  }
}

const senderKey = (deviceId: string, clientMessageId: string) => `${deviceId}/${clientMessageId}`;
