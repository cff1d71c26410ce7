/**
 * `ChatClient`: one device's live view of its conversations. It ties the gateway
 * connection (auth, heartbeats, reconnect with backoff), the receive path (ordering,
 * dedupe, gap repair, ack after the app stores) and the send path (outbox with stable
 * client message ids) together, and reports everything as typed events.
 *
 *   const client = await ChatClient.start({ baseUrl, store, device, onMessages });
 *   client.on('message', (m) => render(m));
 *   await client.sendText(conversationId, 'hi');
 */
import { base64UrlByteLength, MAX_BODY_BYTES, type AccountId, type ClientMessageId, type ConversationId, type DeviceId, type ServerFrame, type ServerFrameOf, type WireMessage } from '@twin/chat-protocol';
import { AttachmentClient, type AttachmentPointer, type AttachmentSource, type UploadOptions } from './attachments/index.ts';
import { ATTACHMENT_KIND, decodeAttachmentBody, encodeAttachmentBody } from './attachments/attachment-message.ts';
import type { BackoffOptions } from './backoff.ts';
import { BodyTooLargeError, decodeTextBody, encodeBytesBody, encodeTextBody } from './body.ts';
import { GatewayConnection, type ConnectionEvent, type ConnectionState } from './connection/gateway-connection.ts';
import type { WebSocketFactory } from './connection/web-socket.ts';
import { DeviceSession } from './device-session.ts';
import { TypedEmitter } from './events.ts';
import { ChatApi } from './http/chat-api.ts';
import type { Conversation } from './http/types.ts';
import { ConversationCrypto, type OpenedEntry } from './mls/conversation-crypto.ts';
import type { HandshakeOutcome } from './mls/device-mls.ts';
import type { MlsStateStore } from './mls/state-store.ts';
import { Outbox, type SendOutcome } from './outbox.ts';
import type { ChatStore, PendingSend, StoredDevice } from './store/interface.ts';
import { Receiver } from './sync/receiver.ts';
import { TypingThrottle } from './typing-throttle.ts';

/** A log entry as the app sees it. */
export type ChatMessage = Omit<WireMessage, 'kind'> & {
  /** The wire kind, or for a decrypted entry its inner kind (`attachment` exists only inside MLS). */
  readonly kind: WireMessage['kind'] | typeof ATTACHMENT_KIND;
  /** Sent by this account (from this or a sibling device). */
  readonly mine: boolean;
  /** Sent by this very device. */
  readonly fromThisDevice: boolean;
  /** For `message` entries: the decoded text (see body.ts); for `attachment` entries: the caption. */
  readonly text?: string;
  /** For `attachment` entries: what `client.attachments.download` fetches, verifies and decrypts. */
  readonly attachment?: AttachmentPointer;
  /** With encryption on: the entry arrived as MLS ciphertext and was decrypted (kind and body are the inner ones). */
  readonly encrypted?: boolean;
  /** With encryption on: why an MLS entry could not be opened (e.g. `mls_stale_epoch`: sent before this device joined), or `malformed_attachment`. */
  readonly decryptionError?: string;
  /** With encryption on: the membership change an MLS commit entry applied (undefined if it was applied already). */
  readonly commit?: HandshakeOutcome;
};

/** An `error` frame the server sent that no pending send claimed. */
export class GatewayError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly ref: string | undefined;
  constructor(frame: ServerFrameOf<'error'>) {
    super(frame.message);
    this.name = 'GatewayError';
    this.code = frame.code;
    this.retryable = frame.retryable;
    this.ref = frame.ref;
  }
}

export interface ChatClientEvents {
  /** A new log entry, in seq order per conversation, once `onMessages` has stored it. */
  message: ChatMessage;
  /** A send was confirmed by the server. */
  sent: SendOutcome;
  receipt: ServerFrameOf<'receipt'>;
  typing: ServerFrameOf<'typing'>;
  presence: ServerFrameOf<'presence'>;
  /** The backlog (no conversation) or a gap repair (one conversation) has been delivered. */
  'caught-up': { conversationId?: ConversationId };
  connection: ConnectionEvent;
  error: unknown;
}

export interface ChatClientOptions {
  baseUrl: string;
  store: ChatStore;
  /** From `ensureDevice`. */
  device: StoredDevice;
  /** Stores a batch of new entries (in seq order per conversation); the SDK acks them once it resolves. */
  onMessages?: (messages: ChatMessage[]) => Promise<void> | void;
  /** Custom socket constructor (e.g. `ws` with a source address). */
  webSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  ackWindowMs?: number;
  gapGraceMs?: number;
  resendAfterMs?: number;
  fetch?: typeof fetch;
  /** Connect right away (default true). */
  connect?: boolean;
  /**
   * End-to-end encryption (MLS): entries are sent as `kind: 'mls'` ciphertext to the
   * conversation's group and opened on receipt; `store` keeps the device's MLS state
   * across restarts (in memory without one).
   */
  encryption?: {
    store?: MlsStateStore;
    keyPackageBatch?: number;
    /** Renew this device's leaf in each group this often (post-compromise security); default 7 days, 0 never. */
    selfUpdateIntervalMs?: number;
  };
}

const DEFAULT_SELF_UPDATE_MS = 7 * 24 * 3600_000;

export class ChatClient extends TypedEmitter<ChatClientEvents> {
  readonly api: ChatApi;
  readonly device: StoredDevice;
  /** Uploads and downloads encrypted attachments with this device's tokens. */
  readonly attachments: AttachmentClient;
  readonly #session: DeviceSession;
  readonly #connection: GatewayConnection;
  readonly #typing: TypingThrottle;
  #receiver!: Receiver;
  #outbox!: Outbox;
  #presence: AccountId[] = [];
  #onMessages: ChatClientOptions['onMessages'];
  /** Set when encryption is on. */
  encryption: ConversationCrypto | undefined;
  #selfUpdates: ReturnType<typeof setInterval> | undefined;

  private constructor(options: ChatClientOptions) {
    super();
    this.device = options.device;
    this.#onMessages = options.onMessages;
    this.api = new ChatApi({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.#session = new DeviceSession(this.api, options.device);
    this.api.http.useDeviceTokens(this.#session);
    this.attachments = new AttachmentClient({ baseUrl: options.baseUrl, tokens: this.#session, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.#connection = new GatewayConnection({
      baseUrl: options.baseUrl,
      tokens: this.#session,
      ...(options.webSocket ? { webSocket: options.webSocket } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      onState: (event) => this.emit('connection', event),
      onReady: (frame) => this.#ready(frame),
      onFrame: (frame) => this.#frame(frame),
      onProblem: (error) => this.emit('error', error),
    });
    this.#typing = new TypingThrottle({ send: (conversationId, active) => this.#connection.send({ type: 'typing', conversationId, active }) });
  }

  /** Loads cursors and the outbox from the store and (unless `connect: false`) connects. */
  static async start(options: ChatClientOptions): Promise<ChatClient> {
    const client = new ChatClient(options);
    client.#receiver = await Receiver.create({
      store: options.store,
      handle: (messages) => client.#handle(messages),
      sendFrame: (frame) => client.#connection.send(frame),
      onError: (error) => client.emit('error', error),
      ...(options.ackWindowMs !== undefined ? { ackWindowMs: options.ackWindowMs } : {}),
      ...(options.gapGraceMs !== undefined ? { gapGraceMs: options.gapGraceMs } : {}),
    });
    client.#outbox = await Outbox.create({
      store: options.store,
      transmit: (send) => client.#connection.send({ type: 'send', ...send }),
      ...(options.resendAfterMs !== undefined ? { resendAfterMs: options.resendAfterMs } : {}),
      onConfirmed: (send, outcome) => client.#confirmed(send, outcome),
      onFailed: (_send, error) => client.emit('error', error),
    });
    if (options.encryption) {
      client.encryption = await ConversationCrypto.open({ api: client.api, device: options.device, ...options.encryption });
      await client.encryption.replenishKeyPackages();
      await client.encryption.joinFromWelcomes();
      await client.encryption.syncOwnDevices();
      const interval = options.encryption.selfUpdateIntervalMs ?? DEFAULT_SELF_UPDATE_MS;
      if (interval > 0) {
        const encryption = client.encryption;
        // Checked at a tenth of the interval (at most hourly), so a group is renewed soon after it falls due.
        client.#selfUpdates = setInterval(() => encryption.selfUpdateDue(interval).catch((error: unknown) => client.emit('error', error)), Math.min(interval / 10, 3600_000));
      }
    }
    if (options.connect !== false) client.connect();
    return client;
  }

  get accountId(): AccountId {
    return this.device.accountId;
  }

  get deviceId(): DeviceId {
    return this.device.deviceId;
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** Unconfirmed sends. */
  get pendingSends(): number {
    return this.#outbox.size;
  }

  /** The highest seq of a conversation the app has stored. */
  storedSeq(conversationId: ConversationId): number {
    return this.#receiver.storedSeq(conversationId);
  }

  connect(): void {
    this.#connection.start();
  }

  /** Drops the socket and reconnects (after a network change; tests use it to cut a backlog short). */
  reconnect(): void {
    this.#connection.reconnect();
  }

  async stop(): Promise<void> {
    clearInterval(this.#selfUpdates);
    this.#connection.stop();
    this.#typing.dispose();
    this.#outbox.dispose();
    this.#receiver.dispose();
    this.#session.close();
  }

  /** Sends text (encoded by body.ts); resolves with the seq the server assigned. */
  sendText(conversationId: ConversationId, text: string): Promise<SendOutcome> {
    this.#typing.stop(conversationId);
    return this.sendBody(conversationId, encodeTextBody(text), 'message');
  }

  /** Sends raw bytes of any client kind. */
  sendBytes(conversationId: ConversationId, bytes: Uint8Array, kind: PendingSend['kind'] = 'message'): Promise<SendOutcome> {
    return this.sendBody(conversationId, encodeBytesBody(bytes), kind);
  }

  /**
   * Sends an already-encoded body with an optional chosen client message id (a retry of the
   * same id is one message). With encryption on, it is sealed for the conversation's group
   * first and leaves as `kind: 'mls'`; the outbox keeps the ciphertext, so a resend repeats it.
   */
  async sendBody(conversationId: ConversationId, body: string, kind: PendingSend['kind'], clientMessageId?: string): Promise<SendOutcome> {
    const id = (clientMessageId ?? crypto.randomUUID()) as ClientMessageId;
    if (!this.encryption || kind === 'mls') return this.#submit({ clientMessageId: id, conversationId, kind, body });
    const inner = { kind, body };
    return this.#submit({ clientMessageId: id, conversationId, kind: 'mls', body: await this.encryption.seal(conversationId, id, inner), sealed: inner });
  }

  /**
   * Encrypts and uploads a file (streamed, never whole in memory), then sends its pointer —
   * id, key, ciphertext digest — with an optional caption inside an MLS message. Needs
   * encryption on: the pointer carries the key, so it never leaves in the clear.
   */
  async sendAttachment(conversationId: ConversationId, source: AttachmentSource, options: UploadOptions & { caption?: string } = {}): Promise<SendOutcome & { pointer: AttachmentPointer }> {
    if (!this.encryption) throw new Error('attachments need end-to-end encryption: their pointer carries the key');
    const pointer = await this.attachments.upload(conversationId, source, options);
    const id = crypto.randomUUID() as ClientMessageId;
    const inner = { kind: ATTACHMENT_KIND, body: encodeAttachmentBody({ pointer, ...(options.caption !== undefined ? { caption: options.caption } : {}) }) };
    const outcome = await this.#submit({ clientMessageId: id, conversationId, kind: 'mls', body: await this.encryption.seal(conversationId, id, inner), sealed: inner });
    return { ...outcome, pointer };
  }

  #submit(send: Omit<PendingSend, 'sentAt'>): Promise<SendOutcome> {
    // Refuse here what the gateway would refuse, before it sits in the outbox and is retried forever.
    if (base64UrlByteLength(send.body) > MAX_BODY_BYTES) throw new BodyTooLargeError(base64UrlByteLength(send.body));
    return this.#outbox.submit({ ...send, sentAt: Date.now() });
  }

  /** Creates a group conversation; with encryption on, also its MLS group holding every device of every member. */
  async createGroup(title: string, memberAccountIds: readonly AccountId[]): Promise<Conversation> {
    const conversation = await this.api.createGroup(title, memberAccountIds);
    await this.encryption?.createGroup(conversation.id as ConversationId, memberAccountIds);
    return conversation;
  }

  /** Creates (or finds) the direct conversation with an account; with encryption on, also its MLS group. */
  async createDirect(accountId: AccountId): Promise<Conversation> {
    const conversation = await this.api.createDirect(accountId);
    const conversationId = conversation.id as ConversationId;
    if (this.encryption && !this.encryption.hasGroup(conversationId)) {
      try {
        await this.encryption.createGroup(conversationId, [accountId]);
      } catch (error) {
        // The conversation existed and has its group: this device's Welcome is in its inbox.
        if ((error as { code?: string }).code !== 'mls_group_exists') throw error;
        await this.encryption.joinFromWelcomes();
      }
    }
    return conversation;
  }

  /** Adds a member (admin); with encryption on, then adds all of its devices to the group. */
  async addMember(conversationId: ConversationId, accountId: AccountId): Promise<void> {
    await this.api.addMember(conversationId, accountId);
    await this.encryption?.addAccounts(conversationId, [accountId]);
  }

  /** Removes a member (admin); with encryption on, then removes all of its leaves, so it reads nothing sent after. */
  async removeMember(conversationId: ConversationId, accountId: AccountId): Promise<void> {
    await this.api.removeMember(conversationId, accountId);
    await this.encryption?.removeAccount(conversationId, accountId);
  }

  /** Puts every unconfirmed send on the wire again now (they keep their client message ids). */
  resendUnconfirmed(): void {
    this.#outbox.transmitAll();
  }

  /** The account has read the conversation up to `seq` (sent if connected). */
  markRead(conversationId: ConversationId, seq: number): boolean {
    return this.#connection.send({ type: 'read', conversationId, seq });
  }

  /** Call on every keystroke; start/stop frames are throttled. */
  typing(conversationId: ConversationId): void {
    this.#typing.keystroke(conversationId);
  }

  stopTyping(conversationId: ConversationId): void {
    this.#typing.stop(conversationId);
  }

  /** Follows these accounts' presence (replaces the previous set; kept across reconnects). */
  subscribePresence(accountIds: readonly AccountId[]): void {
    this.#presence = [...accountIds];
    this.#connection.send({ type: 'presence-subscribe', accountIds: this.#presence });
  }

  /** Asks for (re)delivery of a conversation after `afterSeq` (defaults to what the app has stored). */
  requestSync(conversationId: ConversationId, afterSeq = this.storedSeq(conversationId)): boolean {
    return this.#connection.send({ type: 'sync', conversationId, afterSeq });
  }

  /** Resolves once every delivered message has been stored by the app and acked. */
  whenIdle(): Promise<void> {
    return this.#receiver.whenIdle();
  }

  /** Resolves when the connection reaches `state` (e.g. 'live'). */
  waitForState(state: ConnectionState): Promise<void> {
    if (this.state === state) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('connection', (event) => {
        if (event.state !== state) return;
        off();
        resolve();
      });
    });
  }

  #ready(frame: ServerFrameOf<'ready'>): void {
    if (frame.deviceId !== this.device.deviceId) this.emit('error', new Error(`gateway authenticated device ${frame.deviceId}, expected ${this.device.deviceId}`));
    this.#receiver.connected();
    this.#outbox.transmitAll();
    if (this.#presence.length) this.#connection.send({ type: 'presence-subscribe', accountIds: this.#presence });
  }

  #frame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'deliver':
        return this.#receiver.accept(frame.messages);
      case 'caught-up':
        if (frame.conversationId === undefined) this.#connection.markLive();
        this.#receiver.caughtUp(frame);
        return this.emit('caught-up', frame.conversationId === undefined ? {} : { conversationId: frame.conversationId as ConversationId });
      case 'send-result':
        return this.#outbox.confirmed(frame);
      case 'receipt':
        return this.emit('receipt', frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'presence':
        return this.emit('presence', frame);
      case 'error':
        if (!this.#outbox.failed(frame)) this.emit('error', new GatewayError(frame));
        return;
      default:
        return;
    }
  }

  /** Our own send is part of the log too: feed it to the receive path so it is ordered and acked like the rest. */
  #confirmed(send: PendingSend, outcome: SendOutcome): void {
    this.emit('sent', outcome);
    if (send.sealed) this.encryption?.rememberSent(send.clientMessageId, send.sealed);
    this.#receiver.accept([
      {
        id: outcome.messageId,
        conversationId: send.conversationId,
        seq: outcome.seq,
        senderAccountId: this.device.accountId,
        senderDeviceId: this.device.deviceId,
        clientMessageId: send.clientMessageId,
        kind: send.kind,
        body: send.body,
        sentAt: send.sentAt,
        storedAt: outcome.storedAt,
      },
    ]);
  }

  async #handle(wire: WireMessage[]): Promise<void> {
    // Opened (and the MLS state saved) before the app stores and the SDK acks.
    const opened = this.encryption ? await this.encryption.openEntries(wire) : undefined;
    const messages = wire.map((m, i) => this.#view(m, opened?.[i]));
    if (this.#onMessages) await this.#onMessages(messages);
    for (const message of messages) this.emit('message', message);
  }

  #view(wire: WireMessage, opened?: OpenedEntry): ChatMessage {
    let message: ChatMessage = { ...wire, mine: false, fromThisDevice: false };
    if (opened?.status === 'decrypted') message = { ...message, kind: opened.inner.kind as ChatMessage['kind'], body: opened.inner.body, encrypted: true };
    else if (opened?.status === 'handshake') message = { ...message, commit: opened.outcome };
    else if (opened?.status === 'failed') message = { ...message, decryptionError: opened.code };
    const mine = message.senderAccountId === this.device.accountId;
    const view: ChatMessage = { ...message, mine, fromThisDevice: mine && message.senderDeviceId === this.device.deviceId };
    if (message.deleted) return view;
    if (message.kind === 'message') return { ...view, text: decodeTextBody(message.body) };
    if (message.kind !== ATTACHMENT_KIND) return view;
    try {
      const { pointer, caption } = decodeAttachmentBody(message.body);
      return { ...view, attachment: pointer, ...(caption !== undefined ? { text: caption } : {}) };
    } catch {
      // Another member's device sent a pointer no download could use: shown as such, never fetched.
      return { ...view, decryptionError: 'malformed_attachment' };
    }
  }
}

export type { ConnectionEvent, ConnectionState, SendOutcome };
