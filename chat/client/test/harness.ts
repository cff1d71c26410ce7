/**
 * End-to-end harness: a real chat server (platform + chat feature, listening on a port)
 * and SDK devices that talk to it over HTTP and WebSocket, each with an in-memory store
 * and an app-side log of what its `onMessages` handler stored.
 */
import { chatFeature } from '@twin/chat-server';
import { startTestPlatform, waitFor, type EngineSet, type TestPlatform, type TestPlatformOptions } from '@twin/platform/testing';
import type { AccountId, ConversationId } from '@twin/chat-protocol';
import { ChatApi, ChatClient, ensureDevice, MemoryChatStore, type ChatClientOptions, type ChatMessage, type WebSocketLike } from '../src/index.ts';

export interface ChatServer {
  t: TestPlatform;
  baseUrl: string;
  close(): Promise<void>;
}

/** Limits raised so that a test's burst of sign-ins and sends is not throttled. */
const TEST_ENV = {
  RATE_LIMIT_LOGIN_BURST: '100000',
  RATE_LIMIT_IP_BURST: '1000000',
  RATE_LIMIT_IP_PER_SECOND: '1000000',
  RATE_LIMIT_ACCOUNT_BURST: '1000000',
  RATE_LIMIT_ACCOUNT_PER_SECOND: '1000000',
};

export async function startChatServer(engines: EngineSet, env: Record<string, string> = {}, options: Omit<TestPlatformOptions, 'features'> = {}): Promise<ChatServer> {
  const t = await startTestPlatform(engines, { ...TEST_ENV, ...env }, { ...options, features: [chatFeature] });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return { t, baseUrl: `http://127.0.0.1:${address.port}`, close: () => t.close() };
}

let handles = 0;

export interface TestAccount {
  handle: string;
  accountId: AccountId;
  accountToken: string;
}

export async function createAccount(server: ChatServer, prefix = 'user'): Promise<TestAccount> {
  const api = new ChatApi({ baseUrl: server.baseUrl });
  const handle = `${prefix}_${process.pid}_${handles++}`;
  const password = 'correct horse battery';
  await api.createAccount(handle, password);
  const session = await api.signIn(handle, password);
  return { handle, accountId: session.accountId, accountToken: session.accessToken };
}

/** One SDK device and the log its app stored, in the order `onMessages` got it. */
export class TestDevice {
  readonly client: ChatClient;
  readonly store: MemoryChatStore;
  readonly log: ChatMessage[] = [];

  constructor(client: ChatClient, store: MemoryChatStore) {
    this.client = client;
    this.store = store;
  }

  /** The stored entries of one conversation, in storage order. */
  entries(conversationId: ConversationId): ChatMessage[] {
    return this.log.filter((m) => m.conversationId === conversationId);
  }

  messages(conversationId: ConversationId): ChatMessage[] {
    return this.entries(conversationId).filter((m) => m.kind === 'message');
  }

  stop(): Promise<void> {
    return this.client.stop();
  }
}

export interface DeviceOptions extends Partial<Pick<ChatClientOptions, 'connect' | 'onMessages' | 'resendAfterMs' | 'gapGraceMs' | 'webSocket' | 'fetch' | 'encryption'>> {
  linkCode?: string;
  /** Runs after the harness appended the batch to `log` (e.g. to hold the ack back). */
  afterStore?: (messages: ChatMessage[], device: TestDevice) => Promise<void> | void;
}

export async function addDevice(server: ChatServer, account: TestAccount, options: DeviceOptions = {}, store = new MemoryChatStore()): Promise<TestDevice> {
  const api = new ChatApi({ baseUrl: server.baseUrl });
  const device = await ensureDevice({ api, store, accountToken: account.accountToken, name: `test device`, ...(options.linkCode ? { linkCode: options.linkCode } : {}) });
  let testDevice: TestDevice | undefined;
  const client = await ChatClient.start({
    baseUrl: server.baseUrl,
    store,
    device,
    connect: false,
    backoff: { baseMs: 50, capMs: 500 },
    ...(options.resendAfterMs !== undefined ? { resendAfterMs: options.resendAfterMs } : {}),
    ...(options.gapGraceMs !== undefined ? { gapGraceMs: options.gapGraceMs } : {}),
    ...(options.webSocket ? { webSocket: options.webSocket } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.encryption ? { encryption: options.encryption } : {}),
    onMessages: async (messages) => {
      testDevice!.log.push(...messages);
      await options.afterStore?.(messages, testDevice!);
    },
  });
  testDevice = new TestDevice(client, store);
  if (options.connect !== false) {
    client.connect();
    await client.waitForState('live');
  }
  return testDevice;
}

/** The same device started again from its store, as after an app restart (the old client is stopped first). */
export async function restartDevice(server: ChatServer, account: TestAccount, device: TestDevice, options: DeviceOptions = {}): Promise<TestDevice> {
  await device.stop();
  const restarted = await addDevice(server, account, options, device.store);
  restarted.log.push(...device.log);
  return restarted;
}

/** A second device of an account, approved by a link code from an existing one. */
export async function linkDevice(server: ChatServer, account: TestAccount, existing: TestDevice, options: DeviceOptions = {}): Promise<TestDevice> {
  const { code } = await existing.client.api.createLinkCode();
  return addDevice(server, account, { ...options, linkCode: code });
}

export async function waitForMessages(devices: readonly TestDevice[], conversationId: ConversationId, count: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${count} messages on every device`,
    () => devices.every((d) => d.messages(conversationId).length >= count),
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (have ${devices.map((d) => d.messages(conversationId).length).join(', ')})`);
  });
}

/** Asserts a device stored the conversation's log exactly once each and in seq order from seq 1. */
export function gaplessOrder(entries: readonly ChatMessage[]): boolean {
  return entries.every((m, i) => m.seq === i + 1);
}

/**
 * A real WebSocket that a test can cut like a network failure right after a chosen frame:
 * later frames are never seen and the client gets an abnormal close (1006).
 */
export class CuttableSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readonly #ws: WebSocket;
  #cut = false;

  constructor(url: string, protocol: string, cutAfter: (frame: { type: string }) => boolean) {
    this.#ws = new WebSocket(url, protocol);
    this.#ws.onopen = (event) => this.onopen?.(event);
    this.#ws.onerror = (event) => this.onerror?.(event);
    this.#ws.onclose = (event) => this.onclose?.({ code: this.#cut ? 1006 : event.code, reason: event.reason });
    this.#ws.onmessage = (event) => {
      if (this.#cut) return;
      this.onmessage?.(event);
      if (cutAfter(JSON.parse(String(event.data)) as { type: string })) {
        this.#cut = true;
        this.#ws.close();
      }
    };
  }

  get readyState(): number {
    return this.#cut ? 3 : this.#ws.readyState;
  }

  send(data: string): void {
    if (!this.#cut) this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
}
