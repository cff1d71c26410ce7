/**
 * The terminal client's state and commands, separate from readline so it can be driven by
 * tests: which conversation is open, handles for account ids, and the receipt state
 * behind each of our messages' ticks.
 */
import type { AccountId, ConversationId, ServerFrameOf } from '@twin/chat-protocol';
import type { ChatClient, ChatMessage } from '../chat-client.ts';
import { ChatApiError } from '../http/errors.ts';
import type { Conversation } from '../http/types.ts';
import { messageLine, tickFor } from './render.ts';

export const HELP = `commands:
  /dm <handle>                 open (or start) a direct chat
  /group <title> <handle>...   start a group
  /list                        your conversations
  /open <number|title|handle>  switch to a conversation
  /history [n]                 the last n messages shown here (default 20)
  /add <handle>  /leave        manage the open group
  /delete <seq>                delete one of your messages for everyone
  /link                        a one-time code to link another device
  /devices                     this account's devices
  /quit
anything else is sent to the open conversation`;

export class TerminalSession {
  readonly #client: ChatClient;
  readonly #print: (line: string) => void;
  readonly #names = new Map<AccountId, string>();
  readonly #conversations = new Map<ConversationId, Conversation>();
  /** Per conversation and other member: the highest seq delivered to / read by them. */
  readonly #receipts = new Map<ConversationId, Map<AccountId, { delivered: number; read: number }>>();
  /** Per conversation: seqs of our own messages, and how far each status was already reported per member. */
  readonly #mine = new Map<ConversationId, number[]>();
  readonly #reported = new Map<string, number>();
  /** Per conversation: the entries shown since this terminal started, for /history. */
  readonly #shown = new Map<ConversationId, ChatMessage[]>();
  #open: Conversation | undefined;
  #listed: Conversation[] = [];

  constructor(client: ChatClient, handle: string, print: (line: string) => void) {
    this.#client = client;
    this.#print = print;
    this.#names.set(client.accountId, handle);
    client.on('receipt', (receipt) => this.#receipt(receipt));
    client.on('typing', (typing) => {
      if (typing.conversationId !== this.#open?.id || !typing.active || typing.accountId === client.accountId) return;
      void this.#name(typing.accountId as AccountId).then((name) => this.#print(`  ${name} is typing…`));
    });
  }

  get openConversation(): ConversationId | undefined {
    return this.#open?.id;
  }

  /** Shows stored messages; called after the SDK hands over a batch. */
  async show(messages: ChatMessage[]): Promise<void> {
    let readUpTo = 0;
    for (const message of messages) {
      // MLS handshakes (membership and key changes) are bookkeeping, not conversation.
      if (message.kind === 'mls' && !message.decryptionError) continue;
      const shown = this.#shown.get(message.conversationId as ConversationId) ?? [];
      this.#shown.set(message.conversationId as ConversationId, [...shown.slice(-199), message]);
      const here = message.conversationId === this.#open?.id;
      const prefix = here ? '' : `(${await this.#title(message.conversationId as ConversationId)}) `;
      const tick = message.mine ? this.#tick(message.conversationId as ConversationId, message.seq) : undefined;
      if (message.mine && message.kind === 'message') this.#mine.set(message.conversationId as ConversationId, [...(this.#mine.get(message.conversationId as ConversationId) ?? []), message.seq]);
      this.#print(prefix + messageLine(message, await this.#name(message.senderAccountId as AccountId), tick));
      if (here && !message.mine) readUpTo = message.seq;
    }
    if (readUpTo && this.#open) this.#client.markRead(this.#open.id, readUpTo);
  }

  /** Runs one input line; false when the user asked to quit. */
  async run(line: string): Promise<boolean> {
    const text = line.trim();
    if (!text) return true;
    try {
      if (text.startsWith('/')) return await this.#command(text);
      if (!this.#open) {
        this.#print('no conversation open: /dm <handle>, /group …, or /open …');
        return true;
      }
      await this.#client.sendText(this.#open.id, line);
    } catch (error) {
      this.#print(`! ${error instanceof ChatApiError ? `${error.code}: ${error.message}` : (error as Error).message}`);
    }
    return true;
  }

  keystroke(): void {
    if (this.#open) this.#client.typing(this.#open.id);
  }

  async #command(text: string): Promise<boolean> {
    const [command, ...args] = text.split(/\s+/);
    const api = this.#client.api;
    switch (command) {
      case '/help':
        this.#print(HELP);
        return true;
      case '/quit':
      case '/exit':
        return false;
      case '/dm': {
        const other = await this.#lookup(args[0]);
        return this.#openConversation(await this.#client.createDirect(other));
      }
      case '/group': {
        const [title, ...handles] = args;
        if (!title || handles.length === 0) throw new Error('usage: /group <title> <handle>...');
        const members = await Promise.all(handles.map((h) => this.#lookup(h)));
        return this.#openConversation(await this.#client.createGroup(title, members));
      }
      case '/list': {
        this.#listed = await api.allConversations();
        if (this.#listed.length === 0) this.#print('no conversations yet');
        for (const [i, conversation] of this.#listed.entries()) {
          this.#conversations.set(conversation.id, conversation);
          this.#print(`  ${i + 1}. ${await this.#title(conversation.id)}  (${conversation.type}, ${conversation.lastSeq} messages)`);
        }
        return true;
      }
      case '/open':
        return this.#openConversation(await this.#find(args.join(' ')));
      case '/history': {
        // Message bodies on the server are MLS ciphertext this device can no longer open (its keys moved on): show what it decrypted.
        const open = this.#requireOpen();
        const shown = (this.#shown.get(open.id) ?? []).slice(-Number(args[0] ?? 20));
        if (shown.length === 0) this.#print('nothing received here since this terminal started');
        for (const message of shown) this.#print(messageLine(message, await this.#name(message.senderAccountId as AccountId), message.mine ? this.#tick(open.id, message.seq) : undefined));
        return true;
      }
      case '/add': {
        const open = this.#requireOpen();
        await this.#client.addMember(open.id, await this.#lookup(args[0]));
        return true;
      }
      case '/leave': {
        const open = this.#requireOpen();
        await api.removeMember(open.id, this.#client.accountId);
        this.#open = undefined;
        this.#print('left');
        return true;
      }
      case '/delete': {
        const open = this.#requireOpen();
        await api.deleteMessage(open.id, Number(args[0]));
        return true;
      }
      case '/link': {
        const code = await api.createLinkCode();
        this.#print(`link code: ${code.code} (valid until ${new Date(code.expiresAt).toLocaleTimeString()}); on the new device: --link-code ${code.code}`);
        return true;
      }
      case '/devices': {
        for (const device of await api.listDevices(this.#client.accountId)) {
          this.#print(`  ${device.deviceId}  ${device.name}${device.deviceId === this.#client.deviceId ? '  (this one)' : ''}`);
        }
        return true;
      }
      default:
        this.#print(`unknown command ${command}; /help lists them`);
        return true;
    }
  }

  async #openConversation(conversation: Conversation): Promise<boolean> {
    this.#conversations.set(conversation.id, conversation);
    this.#open = conversation;
    this.#print(`— ${await this.#title(conversation.id)} —`);
    const seq = this.#client.storedSeq(conversation.id);
    if (seq) this.#client.markRead(conversation.id, seq);
    return true;
  }

  async #find(query: string): Promise<Conversation> {
    if (!query) throw new Error('usage: /open <number|title|handle>');
    if (this.#listed.length === 0) this.#listed = await this.#client.api.allConversations();
    const index = Number(query);
    if (Number.isInteger(index) && this.#listed[index - 1]) return this.#listed[index - 1]!;
    for (const conversation of this.#listed) {
      if (conversation.id === query || (await this.#title(conversation.id)).toLowerCase() === query.toLowerCase()) return conversation;
    }
    throw new Error(`no conversation "${query}" (try /list)`);
  }

  #requireOpen(): Conversation {
    if (!this.#open) throw new Error('open a conversation first');
    return this.#open;
  }

  async #lookup(handle: string | undefined): Promise<AccountId> {
    if (!handle) throw new Error('which handle?');
    const account = await this.#client.api.findAccountByHandle(handle);
    this.#names.set(account.id, account.handle);
    return account.id;
  }

  async #name(accountId: AccountId): Promise<string> {
    const known = this.#names.get(accountId);
    if (known) return known;
    const handle = await this.#client.api.getAccount(accountId).then((a) => a.handle, () => `#${accountId}`);
    this.#names.set(accountId, handle);
    return handle;
  }

  /** A group's title, or for a direct chat the other member's handle. */
  async #title(conversationId: ConversationId): Promise<string> {
    let conversation = this.#conversations.get(conversationId);
    if (!conversation) {
      conversation = await this.#client.api.getConversation(conversationId);
      this.#conversations.set(conversationId, conversation);
    }
    if (conversation.title) return conversation.title;
    const other = conversation.members.find((m) => m.accountId !== this.#client.accountId);
    return other ? this.#name(other.accountId) : 'you';
  }

  /** Records a receipt; tells the user when it covers messages of ours not reported at that status yet. */
  #receipt(receipt: ServerFrameOf<'receipt'>): void {
    const conversationId = receipt.conversationId as ConversationId;
    const accountId = receipt.accountId as AccountId;
    if (accountId === this.#client.accountId) return;
    const byAccount = this.#receipts.get(conversationId) ?? new Map<AccountId, { delivered: number; read: number }>();
    this.#receipts.set(conversationId, byAccount);
    const state = byAccount.get(accountId) ?? { delivered: 0, read: 0 };
    if (receipt.status === 'read') state.read = Math.max(state.read, receipt.seq);
    state.delivered = Math.max(state.delivered, receipt.seq);
    byAccount.set(accountId, state);
    // Read implies delivered: a delivered receipt below what was read says nothing new.
    const key = `${conversationId}:${accountId}:${receipt.status}`;
    const readKey = `${conversationId}:${accountId}:read`;
    const from = Math.max(this.#reported.get(key) ?? 0, receipt.status === 'delivered' ? (this.#reported.get(readKey) ?? 0) : 0);
    const covered = (this.#mine.get(conversationId) ?? []).filter((seq) => seq > from && seq <= receipt.seq);
    this.#reported.set(key, Math.max(this.#reported.get(key) ?? 0, receipt.seq));
    if (covered.length === 0 || conversationId !== this.#open?.id) return;
    const seqs = covered.length === 1 ? `#${covered[0]}` : `#${covered[0]}–#${covered.at(-1)}`;
    void this.#name(accountId).then((name) => this.#print(`  ✓✓ ${seqs} ${receipt.status === 'read' ? 'read by' : 'delivered to'} ${name}`));
  }

  #tick(conversationId: ConversationId, seq: number) {
    const others = [...(this.#conversations.get(conversationId)?.members ?? [])].filter((m) => m.accountId !== this.#client.accountId);
    const receipts = this.#receipts.get(conversationId);
    const delivered = Math.min(...others.map((m) => receipts?.get(m.accountId)?.delivered ?? 0));
    const read = Math.min(...others.map((m) => receipts?.get(m.accountId)?.read ?? 0));
    return tickFor(seq, others.length ? delivered : 0, others.length ? read : 0);
  }
}
