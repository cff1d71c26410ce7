/**
 * This node's authenticated delivery streams, indexed by account, and the live fan-out:
 * a batch of new log entries is grouped by conversation, the conversation's roster is
 * taken from the core (cached there, invalidated by `chat.membership`), and each member
 * account's local streams are offered the conversation's messages in seq order. A
 * conversation with no member online on this node costs one roster lookup and nothing
 * else; the per-socket rules (send / duplicate / gap) live in DeviceStream.
 */
import type { AccountId, ConversationId, WireMessage } from '@twin/chat-protocol';
import type { ChatCore } from '../core.ts';
import type { DeviceStream } from './device-stream.ts';

export class DeliveryHub {
  readonly #core: ChatCore;
  readonly #byAccount = new Map<AccountId, Set<DeviceStream>>();
  #size = 0;

  constructor(core: ChatCore) {
    this.#core = core;
  }

  /** Authenticated streams on this node. */
  get size(): number {
    return this.#size;
  }

  add(stream: DeviceStream): void {
    let streams = this.#byAccount.get(stream.identity.accountId);
    if (!streams) this.#byAccount.set(stream.identity.accountId, (streams = new Set()));
    if (!streams.has(stream)) this.#size++;
    streams.add(stream);
  }

  remove(stream: DeviceStream): void {
    const streams = this.#byAccount.get(stream.identity.accountId);
    if (!streams?.delete(stream)) return;
    this.#size--;
    if (streams.size === 0) this.#byAccount.delete(stream.identity.accountId);
  }

  /** The local streams of one account (empty when none). */
  streamsOf(accountId: AccountId): ReadonlySet<DeviceStream> {
    return this.#byAccount.get(accountId) ?? EMPTY;
  }

  /** Local streams of every member of a conversation, optionally leaving one account out. */
  async memberStreams(conversationId: ConversationId, except?: AccountId): Promise<DeviceStream[]> {
    if (this.#size === 0) return [];
    const members = await this.#core.membersOf(conversationId);
    const streams: DeviceStream[] = [];
    for (const accountId of members) {
      if (accountId === except) continue;
      const local = this.#byAccount.get(accountId);
      if (local) for (const stream of local) streams.push(stream);
    }
    return streams;
  }

  /**
   * Offers newly committed log entries to the local streams of each conversation's members;
   * a message in `sentBy` is not sent back to the stream it came from (see DeviceStream.offer).
   */
  async fanOut(messages: readonly WireMessage[], sentBy?: ReadonlyMap<WireMessage, DeviceStream>): Promise<void> {
    if (this.#size === 0 || messages.length === 0) return;
    const byConversation = new Map<ConversationId, WireMessage[]>();
    for (const message of messages) {
      const conversationId = message.conversationId as ConversationId;
      let list = byConversation.get(conversationId);
      if (!list) byConversation.set(conversationId, (list = []));
      list.push(message);
    }
    await Promise.all(
      [...byConversation].map(async ([conversationId, list]) => {
        list.sort((a, b) => a.seq - b.seq);
        for (const stream of await this.memberStreams(conversationId)) stream.offer(conversationId, list, sentBy);
      }),
    );
  }

  /** Membership changed: removed accounts' streams forget the conversation at once, so nothing more of it reaches them. */
  membershipChanged(conversationId: ConversationId, added: readonly AccountId[], removed: readonly AccountId[]): void {
    for (const accountId of added) for (const stream of this.streamsOf(accountId)) stream.rejoined(conversationId);
    for (const accountId of removed) for (const stream of this.streamsOf(accountId)) stream.forget(conversationId);
  }
}

const EMPTY: ReadonlySet<DeviceStream> = new Set();
