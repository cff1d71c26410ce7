/**
 * The in-memory `ChatStore`: everything is lost with the process (tests, bots, a browser
 * tab that syncs from the server on every load).
 */
import type { ClientMessageId, ConversationId } from '@twin/chat-protocol';
import type { ChatStore, PendingSend, StoredDevice } from './interface.ts';

/** The whole state of a store, as the JSON file store also persists it. */
export interface StoreSnapshot {
  device?: StoredDevice;
  cursors: Record<string, number>;
  outbox: PendingSend[];
}

export class MemoryChatStore implements ChatStore {
  protected state: StoreSnapshot;

  constructor(initial: StoreSnapshot = { cursors: {}, outbox: [] }) {
    this.state = initial;
  }

  async getDevice(): Promise<StoredDevice | undefined> {
    return this.state.device;
  }

  async setDevice(device: StoredDevice): Promise<void> {
    this.state.device = device;
    await this.persist();
  }

  async getCursors(): Promise<Array<[ConversationId, number]>> {
    return Object.entries(this.state.cursors) as Array<[ConversationId, number]>;
  }

  async setCursors(cursors: ReadonlyArray<readonly [ConversationId, number]>): Promise<void> {
    let changed = false;
    for (const [conversationId, seq] of cursors) {
      if (seq <= (this.state.cursors[conversationId] ?? 0)) continue;
      this.state.cursors[conversationId] = seq;
      changed = true;
    }
    if (changed) await this.persist();
  }

  async getOutbox(): Promise<PendingSend[]> {
    return [...this.state.outbox];
  }

  async addToOutbox(send: PendingSend): Promise<void> {
    if (this.state.outbox.some((s) => s.clientMessageId === send.clientMessageId)) return;
    this.state.outbox.push(send);
    await this.persist();
  }

  async removeFromOutbox(clientMessageIds: readonly ClientMessageId[]): Promise<void> {
    const drop = new Set<string>(clientMessageIds);
    const before = this.state.outbox.length;
    this.state.outbox = this.state.outbox.filter((s) => !drop.has(s.clientMessageId));
    if (this.state.outbox.length !== before) await this.persist();
  }

  /** Makes the current state durable; nothing to do in memory. */
  protected async persist(): Promise<void> {}
}
