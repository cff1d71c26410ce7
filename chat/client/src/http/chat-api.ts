/**
 * Typed calls for the chat HTTP API (accounts and sessions from the platform; devices,
 * conversations, members, history, sync, presence and push from the chat server). One
 * method per route; routes marked "device" in the API use the device token source.
 */
import type {
  AccountId,
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  ConversationId,
  DeviceId,
  KeyPackageCount,
  MlsGroupView,
  RegisterGroupRequest,
  SubmitCommitRequest,
  SubmitCommitResponse,
  UploadKeyPackagesRequest,
  WelcomePage,
} from '@twin/chat-protocol';
import { HttpClient, type HttpClientOptions } from './http-client.ts';
import type {
  Account,
  Conversation,
  DeviceInfo,
  DeviceToken,
  LinkCode,
  MessagePage,
  Presence,
  PushSubscriptionJson,
  SendResult,
  SessionTokens,
  SyncPage,
} from './types.ts';

const enc = encodeURIComponent;

export class ChatApi {
  readonly http: HttpClient;

  constructor(options: HttpClientOptions | HttpClient) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options);
  }

  // ---- accounts and sessions (platform) ----

  createAccount(handle: string, password: string): Promise<Account> {
    return this.http.request('POST', '/v1/accounts', { body: { handle, password } });
  }

  signIn(handle: string, password: string): Promise<SessionTokens> {
    return this.http.request('POST', '/v1/sessions', { body: { handle, password } });
  }

  refreshSession(refreshToken: string): Promise<SessionTokens> {
    return this.http.request('POST', '/v1/sessions/refresh', { body: { refreshToken } });
  }

  /** With any bearer token (device by default). 404 `not_found` when no account has the handle. */
  findAccountByHandle(handle: string, token?: string): Promise<Account> {
    return this.http.request('GET', `/v1/accounts/by-handle/${enc(handle)}`, { auth: token ?? 'device' });
  }

  getAccount(accountId: AccountId, token?: string): Promise<Account> {
    return this.http.request('GET', `/v1/accounts/${enc(accountId)}`, { auth: token ?? 'device' });
  }

  // ---- devices ----

  /** With the account's session token; every device after the first needs a link code. */
  registerDevice(accountToken: string, device: { publicKey: string; name: string; linkCode?: string }): Promise<DeviceInfo & { accountId: AccountId }> {
    return this.http.request('POST', '/v1/devices', { auth: accountToken, body: device });
  }

  createLinkCode(): Promise<LinkCode> {
    return this.http.request('POST', '/v1/devices/link-codes', { auth: 'device', body: {} });
  }

  challenge(deviceId: DeviceId): Promise<{ nonce: string; expiresAt: number }> {
    return this.http.request('POST', `/v1/devices/${enc(deviceId)}/challenge`, { body: {} });
  }

  deviceToken(deviceId: DeviceId, nonce: string, signature: string): Promise<DeviceToken> {
    return this.http.request('POST', `/v1/devices/${enc(deviceId)}/tokens`, { body: { nonce, signature } });
  }

  async listDevices(accountId: AccountId): Promise<DeviceInfo[]> {
    return (await this.http.request<{ devices: DeviceInfo[] }>('GET', `/v1/accounts/${enc(accountId)}/devices`, { auth: 'device' })).devices;
  }

  /** One device of any account, removed ones included: the directory MLS leaf keys are checked against. */
  describeDevice(deviceId: string): Promise<DeviceInfo & { accountId: AccountId; removedAt: number | null }> {
    return this.http.request('GET', `/v1/devices/${enc(deviceId)}`, { auth: 'device' });
  }

  /** With the device token, or an account token when given (e.g. to remove a lost device). */
  removeDevice(deviceId: DeviceId, accountToken?: string): Promise<void> {
    return this.http.request('DELETE', `/v1/devices/${enc(deviceId)}`, { auth: accountToken ?? 'device' });
  }

  // ---- conversations and members ----

  createDirect(accountId: AccountId): Promise<Conversation> {
    return this.http.request('POST', '/v1/conversations', { auth: 'device', body: { type: 'direct', accountId } });
  }

  createGroup(title: string, memberAccountIds: readonly AccountId[], avatarBlobKey?: string): Promise<Conversation> {
    return this.http.request('POST', '/v1/conversations', {
      auth: 'device',
      body: { type: 'group', title, memberAccountIds, ...(avatarBlobKey ? { avatarBlobKey } : {}) },
    });
  }

  listConversations(options: { cursor?: string; limit?: number } = {}): Promise<{ conversations: Conversation[]; nextCursor?: string }> {
    return this.http.request('GET', '/v1/conversations', { auth: 'device', query: options });
  }

  /** Every conversation, following cursors. */
  async allConversations(): Promise<Conversation[]> {
    const all: Conversation[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listConversations({ cursor, limit: 100 });
      all.push(...page.conversations);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  getConversation(id: ConversationId): Promise<Conversation> {
    return this.http.request('GET', `/v1/conversations/${enc(id)}`, { auth: 'device' });
  }

  updateConversation(id: ConversationId, changes: { title?: string; avatarBlobKey?: string }): Promise<Conversation> {
    return this.http.request('PATCH', `/v1/conversations/${enc(id)}`, { auth: 'device', body: changes });
  }

  addMember(id: ConversationId, accountId: AccountId): Promise<unknown> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/members`, { auth: 'device', body: { accountId } });
  }

  /** Removes a member (admin) or leaves (own account). */
  removeMember(id: ConversationId, accountId: AccountId): Promise<unknown> {
    return this.http.request('DELETE', `/v1/conversations/${enc(id)}/members/${enc(accountId)}`, { auth: 'device' });
  }

  promoteMember(id: ConversationId, accountId: AccountId): Promise<unknown> {
    return this.http.request('PATCH', `/v1/conversations/${enc(id)}/members/${enc(accountId)}`, { auth: 'device', body: { role: 'admin' } });
  }

  // ---- messages ----

  /** Sends over HTTP (for clients without a socket); the SDK's `ChatClient.send` uses the WebSocket. */
  sendMessage(id: ConversationId, message: { clientMessageId: string; kind: string; body: string; sentAt: number }): Promise<SendResult> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/messages`, { auth: 'device', body: message });
  }

  /** Newest first with `before` (or no cursor); ascending with `after`. */
  history(id: ConversationId, options: { before?: string; after?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.http.request('GET', `/v1/conversations/${enc(id)}/messages`, { auth: 'device', query: options });
  }

  /** Delete for everyone: the server appends a tombstone and wipes the body. */
  deleteMessage(id: ConversationId, seq: number): Promise<unknown> {
    return this.http.request('DELETE', `/v1/conversations/${enc(id)}/messages/${seq}`, { auth: 'device' });
  }

  ack(id: ConversationId, seq: number): Promise<unknown> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/ack`, { auth: 'device', body: { seq } });
  }

  markRead(id: ConversationId, seq: number): Promise<unknown> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/read`, { auth: 'device', body: { seq } });
  }

  sync(options: { cursor?: string; limit?: number } = {}): Promise<SyncPage> {
    return this.http.request('GET', '/v1/sync', { auth: 'device', query: options });
  }

  // ---- MLS Delivery Service (key directory, commit gate, Welcome inbox) ----

  uploadKeyPackages(request: UploadKeyPackagesRequest): Promise<KeyPackageCount> {
    return this.http.request('POST', '/v1/mls/key-packages', { auth: 'device', body: request });
  }

  keyPackageCount(): Promise<KeyPackageCount> {
    return this.http.request('GET', '/v1/mls/key-packages/count', { auth: 'device' });
  }

  /** One key package per active device of the account (the caller's own device excluded). */
  claimKeyPackages(accountId: AccountId, request: ClaimKeyPackagesRequest = {}): Promise<ClaimKeyPackagesResponse> {
    return this.http.request('POST', `/v1/accounts/${enc(accountId)}/key-packages/claim`, { auth: 'device', body: request });
  }

  registerMlsGroup(id: ConversationId, request: RegisterGroupRequest): Promise<MlsGroupView> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/mls/group`, { auth: 'device', body: request });
  }

  mlsGroup(id: ConversationId): Promise<MlsGroupView> {
    return this.http.request('GET', `/v1/conversations/${enc(id)}/mls/group`, { auth: 'device' });
  }

  /** 409 `stale_epoch` when another commit took the epoch first (details.epoch: the group's epoch now). */
  submitCommit(id: ConversationId, request: SubmitCommitRequest): Promise<SubmitCommitResponse> {
    return this.http.request('POST', `/v1/conversations/${enc(id)}/mls/commits`, { auth: 'device', body: request });
  }

  welcomes(options: { cursor?: string; limit?: number } = {}): Promise<WelcomePage> {
    return this.http.request('GET', '/v1/mls/welcomes', { auth: 'device', query: options });
  }

  deleteWelcome(id: string): Promise<void> {
    return this.http.request('DELETE', `/v1/mls/welcomes/${enc(id)}`, { auth: 'device' });
  }

  // ---- presence and push ----

  async presence(accountIds: readonly AccountId[]): Promise<Presence[]> {
    return (await this.http.request<{ presence: Presence[] }>('GET', '/v1/presence', { auth: 'device', query: { accountIds: accountIds.join(',') } })).presence;
  }

  setPresenceSettings(lastSeen: 'everyone' | 'nobody'): Promise<unknown> {
    return this.http.request('PUT', '/v1/presence/settings', { auth: 'device', body: { lastSeen } });
  }

  async vapidPublicKey(): Promise<string> {
    return (await this.http.request<{ publicKey: string }>('GET', '/v1/push/vapid-public-key')).publicKey;
  }

  subscribePush(subscription: PushSubscriptionJson): Promise<unknown> {
    return this.http.request('POST', '/v1/push-subscriptions', { auth: 'device', body: subscription });
  }

  unsubscribePush(): Promise<void> {
    return this.http.request('DELETE', '/v1/push-subscriptions', { auth: 'device' });
  }
}
