/**
 * Accounts, devices, device tokens and conversations for the `chat` benchmark, created
 * through the public API with the SDK (sign-up, device registration, challenge-response).
 */
import { ChatApi, DeviceSession, ensureDevice, MemoryChatStore } from '@twin/chat-client';
import type { AccountId, ConversationId, DeviceId } from '@twin/chat-protocol';

export interface BenchDevice {
  accountId: AccountId;
  deviceId: DeviceId;
  token: string;
  /** The device's HTTP API (device-authenticated). */
  api: ChatApi;
}

let counter = 0;
const runTag = Date.now().toString(36);

/** A new account with one registered device and a fresh device token. */
export async function createBenchDevice(baseUrl: string): Promise<BenchDevice> {
  const api = new ChatApi({ baseUrl });
  const handle = `b${runTag}_${counter++}`;
  const password = 'benchmark password';
  await api.createAccount(handle, password);
  const { accessToken } = await api.signIn(handle, password);
  const device = await ensureDevice({ api, store: new MemoryChatStore(), accountToken: accessToken, name: 'bench' });
  const session = new DeviceSession(api, device);
  api.http.useDeviceTokens(session);
  const token = await session.token();
  session.close();
  return { accountId: device.accountId, deviceId: device.deviceId, token, api };
}

export interface BenchPair {
  sender: BenchDevice;
  receiver: BenchDevice;
  conversationId: ConversationId;
}

/** `n` sender/receiver pairs, each in its own direct conversation. */
export async function createPairs(baseUrl: string, n: number): Promise<BenchPair[]> {
  const pairs: BenchPair[] = [];
  for (let i = 0; i < n; i++) {
    const [sender, receiver] = await Promise.all([createBenchDevice(baseUrl), createBenchDevice(baseUrl)]);
    const conversation = await sender.api.createDirect(receiver.accountId);
    pairs.push({ sender, receiver, conversationId: conversation.id });
  }
  return pairs;
}
