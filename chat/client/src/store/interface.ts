/**
 * Where the SDK keeps what must survive a restart: the device identity (its key pair),
 * per-conversation cursors (the highest seq the app has stored, for dedupe across
 * restarts) and the outbox (sends not yet confirmed by a `send-result`, resent with the
 * same client message id). Browsers can back it with IndexedDB; the SDK ships an
 * in-memory store and, for the terminal client, a JSON file.
 */
import type { AccountId, ClientMessageId, ConversationId, DeviceId } from '@twin/chat-protocol';

export interface StoredDevice {
  readonly accountId: AccountId;
  readonly deviceId: DeviceId;
  readonly name: string;
  /** Raw Ed25519 public key, base64url (32 bytes). */
  readonly publicKey: string;
  /** PKCS#8 Ed25519 private key, base64url. */
  readonly privateKey: string;
}

/** A message the app asked to send that the server has not confirmed yet. */
export interface PendingSend {
  readonly clientMessageId: ClientMessageId;
  readonly conversationId: ConversationId;
  readonly kind: 'message' | 'receipt' | 'mls' | 'reaction';
  /** base64url wire body. */
  readonly body: string;
  readonly sentAt: number;
  /**
   * With encryption on: the entry before it was sealed (`body` is its MLS ciphertext). MLS
   * never lets a device decrypt its own message, so this is how the device shows its own
   * send once confirmed, even after a restart. Plaintext: keep it where the app keeps messages.
   */
  readonly sealed?: { readonly kind: string; readonly body: string };
}

export interface ChatStore {
  /** The device this store belongs to, once registered. */
  getDevice(): Promise<StoredDevice | undefined>;
  setDevice(device: StoredDevice): Promise<void>;
  /** Per conversation, the highest seq the app has stored. */
  getCursors(): Promise<Array<[ConversationId, number]>>;
  /** Raises cursors (a lower value than the stored one is ignored). Resolves once durable. */
  setCursors(cursors: ReadonlyArray<readonly [ConversationId, number]>): Promise<void>;
  /** Unconfirmed sends, oldest first. */
  getOutbox(): Promise<PendingSend[]>;
  /** Resolves once durable: only then may the send go on the wire. */
  addToOutbox(send: PendingSend): Promise<void>;
  removeFromOutbox(clientMessageIds: readonly ClientMessageId[]): Promise<void>;
}
