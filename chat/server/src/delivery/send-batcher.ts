/**
 * The WebSocket send path. `send` frames from every socket of this node are collected
 * for one event-loop turn and handed to `core.appendMessages` together (one call per
 * sending device, all in the same tick and marked `gathered`, so the core's group commit
 * puts them in one transaction that starts at once). Each frame is answered alone —
 * `send-result`, or `error` with the clientMessageId as ref — after the commit. The
 * committed messages are then fanned out to this node's sockets at once (the same-node
 * fast path); the `chat.messages` bus event that follows reaches the other nodes, and
 * here it is dropped as a duplicate. The fan-out is told which socket sent each message:
 * that socket has it from its send-result, so it is not sent back (the account's other
 * devices still get it), as WhatsApp and Signal do.
 */
import type { ClientFrameOf, ConversationId, WireMessage } from '@twin/chat-protocol';
import type { AppendResult, ChatCore, DeviceIdentity, NewMessage } from '../core.ts';
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
  readonly #fanOut: (messages: WireMessage[], sentBy: ReadonlyMap<WireMessage, DeviceStream>) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<SendOrigin, Pending>();
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();

  constructor(core: ChatCore, fanOut: (messages: WireMessage[], sentBy: ReadonlyMap<WireMessage, DeviceStream>) => Promise<void>, onError: (error: unknown) => void) {
    this.#core = core;
    this.#fanOut = fanOut;
    this.#onError = onError;
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
    const settled = await Promise.all(
      batch.map(async (pending) => {
        try {
          return await this.#core.appendMessages(pending.origin.stream.identity, pending.messages, { gathered: true });
        } catch (error) {
          return pending.messages.map((): PromiseSettledResult<AppendResult> => ({ status: 'rejected', reason: error }));
        }
      }),
    );
    const committed: WireMessage[] = [];
    const sentBy = new Map<WireMessage, DeviceStream>();
    batch.forEach((pending, i) => {
      const outcomes = settled[i]!;
      pending.frames.forEach((frame, j) => {
        const outcome = outcomes[j] ?? { status: 'rejected', reason: new Error('no result from appendMessages') };
        pending.origin.settle(frame, outcome);
        if (outcome.status !== 'fulfilled' || outcome.value.duplicate) return;
        const message = toWireMessage(pending.origin.stream.identity, frame, pending.messages[j]!, outcome.value);
        committed.push(message);
        sentBy.set(message, pending.origin.stream);
      });
    });
    if (committed.length > 0) await this.#fanOut(committed, sentBy);
  }
}

/** The log entry as readers will see it, built from what was sent and what the core assigned. */
function toWireMessage(sender: DeviceIdentity, frame: ClientFrameOf<'send'>, message: NewMessage, result: AppendResult): WireMessage {
  return {
    id: result.messageId,
    conversationId: result.conversationId,
    seq: result.seq,
    senderAccountId: sender.accountId,
    senderDeviceId: sender.deviceId,
    clientMessageId: result.clientMessageId,
    kind: frame.kind,
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('base64url'),
    sentAt: frame.sentAt,
    storedAt: result.storedAt,
  };
}
