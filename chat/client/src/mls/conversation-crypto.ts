/**
 * End-to-end encryption of a device's conversations: drives its `DeviceMls` engine against
 * the server's Delivery Service. It keeps the device's key packages stocked in the key
 * directory; makes a conversation's group (register it, then add every device of every
 * member with key packages it claims); applies membership changes as commits, one epoch at
 * a time — when the server answers 409 `stale_epoch`, it reads the commits it missed from
 * the log, applies them, and builds its change again on the new epoch; joins groups from
 * its Welcome inbox; seals outgoing entries and opens incoming ones in log order.
 *
 * Engine calls are serialized (one at a time per device): an engine operation reads a
 * group's state, awaits crypto, and writes the next state, so two interleaved ones would
 * lose an update. State is saved before anything built on it leaves the device and before
 * the receive path acks what it opened.
 */
import { fromBase64Url, toBase64Url, type AccountId, type ConversationId, type WireMessage } from '@twin/chat-protocol';
import type { ChatApi } from '../http/chat-api.ts';
import { ChatApiError } from '../http/errors.ts';
import type { StoredDevice } from '../store/interface.ts';
import { DeviceMls, type HandshakeOutcome, type StagedCommit } from './device-mls.ts';
import { MlsEngineError, type MlsErrorCode } from './errors.ts';
import { decodeInnerBody, encodeInnerBody, type InnerBody } from './inner-body.ts';
import { DeviceDirectory } from './device-directory.ts';
import type { MlsStateStore } from './state-store.ts';

export interface ConversationCryptoOptions {
  readonly api: ChatApi;
  readonly device: StoredDevice;
  readonly store?: MlsStateStore;
  /** One-time key packages uploaded per refill (default 20). */
  readonly keyPackageBatch?: number;
  /** Refill when the server holds fewer than this many (default 5). */
  readonly keyPackageLowWater?: number;
  /** Tries of one membership change against concurrent commits before giving up (default 5). */
  readonly maxCommitAttempts?: number;
}

/** One log entry as the receive path should show it. */
export type OpenedEntry =
  | { readonly status: 'plain' }
  | { readonly status: 'decrypted'; readonly inner: InnerBody; readonly senderDeviceId: string }
  | { readonly status: 'handshake'; readonly outcome: HandshakeOutcome | undefined }
  | { readonly status: 'failed'; readonly code: MlsErrorCode | 'mls_sender_mismatch'; readonly message: string };

const RETRYABLE_SUBMITS = 3;

export class ConversationCrypto {
  readonly engine: DeviceMls;
  readonly #api: ChatApi;
  readonly #device: StoredDevice;
  readonly #batch: number;
  readonly #lowWater: number;
  readonly #maxAttempts: number;
  /** Plaintext of this device's own sends: MLS does not let a sender decrypt its own message. */
  readonly #sent = new Map<string, InnerBody>();
  /** Per conversation, the seq of the commit that added this device: earlier entries were never for it. */
  readonly #joinedAt = new Map<string, number>();
  #lock: Promise<unknown> = Promise.resolve();
  /** When this device last renewed its leaf per group (this process only; a restart counts from its start). */
  readonly #updatedAt = new Map<string, number>();
  readonly #startedAt = Date.now();
  #joining: Promise<string[]> = Promise.resolve([]);

  private constructor(engine: DeviceMls, options: ConversationCryptoOptions) {
    this.engine = engine;
    this.#api = options.api;
    this.#device = options.device;
    this.#batch = options.keyPackageBatch ?? 20;
    this.#lowWater = options.keyPackageLowWater ?? 5;
    this.#maxAttempts = options.maxCommitAttempts ?? 5;
  }

  static async open(options: ConversationCryptoOptions): Promise<ConversationCrypto> {
    const { deviceId, publicKey, privateKey } = options.device;
    const directory = new DeviceDirectory(options.api);
    const engine = await DeviceMls.open({ deviceId, publicKey, privateKey }, { verifyDevice: (id, key) => directory.verify(id, key), ...(options.store ? { store: options.store } : {}) });
    return new ConversationCrypto(engine, options);
  }

  hasGroup(conversationId: ConversationId): boolean {
    return this.engine.hasGroup(conversationId);
  }

  /** Tops up the device's one-time key packages (and its last-resort one) in the key directory; returns how many it uploaded. */
  replenishKeyPackages(): Promise<number> {
    return this.#exclusive(async () => {
      const count = await this.#api.keyPackageCount();
      if (count.available >= this.#lowWater && count.lastResort) return 0;
      const wanted = Math.max(0, this.#batch - count.available);
      const { keyPackages, lastResort } = await this.engine.generateKeyPackages(wanted);
      // The private halves must be durable before the public ones can be handed out.
      await this.engine.persist();
      await this.#api.uploadKeyPackages({ keyPackages: keyPackages.map(toBase64Url), ...(count.lastResort ? {} : { lastResort: toBase64Url(lastResort) }) });
      return keyPackages.length;
    });
  }

  /**
   * Makes the group of a conversation the server just created and adds every device of
   * every member (this account's other devices included). Returns the devices that had no
   * key package to claim: they join when a member adds them later.
   */
  async createGroup(conversationId: ConversationId, memberAccountIds: readonly AccountId[]): Promise<{ missing: string[] }> {
    await this.#exclusive(async () => {
      await this.engine.createGroup(conversationId);
      try {
        await this.#api.registerMlsGroup(conversationId, { groupInfo: toBase64Url(await this.engine.groupInfo(conversationId)) });
      } catch (error) {
        this.engine.forgetGroup(conversationId);
        throw error;
      } finally {
        await this.engine.persist();
      }
    });
    return this.addAccounts(conversationId, [...new Set([this.#device.accountId, ...memberAccountIds])]);
  }

  /** Adds every device of these accounts (members of the conversation on the server) that is not in the group yet. */
  async addAccounts(conversationId: ConversationId, accountIds: readonly AccountId[]): Promise<{ missing: string[] }> {
    const claimed = new Map<string, string>();
    const missing: string[] = [];
    for (const accountId of accountIds) {
      const result = await this.#api.claimKeyPackages(accountId);
      for (const item of result.keyPackages) if (item.deviceId !== this.#device.deviceId) claimed.set(item.deviceId, item.keyPackage);
      missing.push(...result.missing);
    }
    await this.#addClaimed(conversationId, claimed);
    return { missing };
  }

  async #addDevicesOf(conversationId: ConversationId, accountId: AccountId, deviceIds: readonly string[]): Promise<void> {
    const result = await this.#api.claimKeyPackages(accountId, { deviceIds: [...deviceIds] });
    await this.#addClaimed(conversationId, new Map(result.keyPackages.map((item) => [item.deviceId, item.keyPackage])));
  }

  async #addClaimed(conversationId: ConversationId, claimed: ReadonlyMap<string, string>): Promise<void> {
    await this.#commitChange(conversationId, async () => {
      const present = new Set(this.engine.members(conversationId));
      const toAdd = [...claimed].filter(([deviceId]) => !present.has(deviceId)).map(([, keyPackage]) => fromBase64Url(keyPackage));
      return toAdd.length ? this.engine.addDevices(conversationId, toAdd) : undefined;
    });
  }

  /** Removes these devices' leaves (those still in the group). */
  async removeDevices(conversationId: ConversationId, deviceIds: readonly string[]): Promise<void> {
    await this.#commitChange(conversationId, async () => {
      const present = new Set(this.engine.members(conversationId));
      const toRemove = deviceIds.filter((id) => present.has(id));
      return toRemove.length ? this.engine.removeDevices(conversationId, toRemove) : undefined;
    });
  }

  /** Removes every leaf of an account, as the server lists them for the group. */
  async removeAccount(conversationId: ConversationId, accountId: AccountId): Promise<void> {
    const view = await this.#api.mlsGroup(conversationId);
    await this.removeDevices(conversationId, view.leaves.filter((leaf) => leaf.accountId === accountId).map((leaf) => leaf.deviceId));
  }

  /** Fresh keys for this device's leaf (post-compromise security). */
  async selfUpdate(conversationId: ConversationId): Promise<void> {
    await this.#commitChange(conversationId, () => this.engine.selfUpdate(conversationId));
    this.#updatedAt.set(conversationId, Date.now());
  }

  /** Self-updates every group this device has not updated in `intervalMs` (since it joined or this process started). */
  async selfUpdateDue(intervalMs: number, now = Date.now()): Promise<string[]> {
    const due = this.engine.groupIds().filter((id) => now - (this.#updatedAt.get(id) ?? this.#startedAt) >= intervalMs);
    for (const conversationId of due) await this.selfUpdate(conversationId as ConversationId);
    return due;
  }

  /**
   * Keeps this account's devices in step in every group this device is in: adds its
   * devices that are missing (a newly linked one) and removes leaves of its devices that
   * were removed. The server lets only a member's own devices change its device set.
   */
  async syncOwnDevices(): Promise<void> {
    const active = new Set<string>((await this.#api.listDevices(this.#device.accountId)).map((d) => d.deviceId));
    for (const groupId of this.engine.groupIds()) {
      const conversationId = groupId as ConversationId;
      const ownLeaves = (await this.#api.mlsGroup(conversationId)).leaves.filter((leaf) => leaf.accountId === this.#device.accountId).map((leaf) => leaf.deviceId);
      const gone = ownLeaves.filter((id) => !active.has(id));
      if (gone.length) await this.removeDevices(conversationId, gone);
      const missing = [...active].filter((id) => id !== this.#device.deviceId && !ownLeaves.includes(id));
      if (missing.length) await this.#addDevicesOf(conversationId, this.#device.accountId, missing);
    }
  }

  /** The plaintext of one of this device's sends (kept in its outbox), so its entry opens even after a restart. */
  rememberSent(clientMessageId: string, inner: InnerBody): void {
    this.#sent.set(clientMessageId, inner);
  }

  /** Encrypts an entry for the conversation's group: the `kind: 'mls'` body to send. */
  async seal(conversationId: ConversationId, clientMessageId: string, inner: InnerBody): Promise<string> {
    if (!this.engine.hasGroup(conversationId)) await this.joinFromWelcomes();
    return this.#exclusive(async () => {
      const sealed = await this.engine.encrypt(conversationId, encodeInnerBody(inner));
      await this.engine.persist();
      this.#sent.set(clientMessageId, inner);
      return toBase64Url(sealed);
    });
  }

  /** Opens a batch of log entries, in log order; state is saved before it returns. */
  async openEntries(entries: readonly WireMessage[]): Promise<OpenedEntry[]> {
    const opened: OpenedEntry[] = [];
    for (const entry of entries) opened.push(await this.#openEntry(entry));
    await this.#exclusive(() => this.engine.persist());
    return opened;
  }

  /** Joins every group the Welcome inbox holds for this device; returns the conversations joined. */
  joinFromWelcomes(): Promise<string[]> {
    // One reading of the inbox at a time: callers that arrive meanwhile share the next one.
    this.#joining = this.#joining.catch(() => []).then(() => this.#readWelcomes());
    return this.#joining;
  }

  async #readWelcomes(): Promise<string[]> {
    const joined: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#api.welcomes(cursor ? { cursor } : {});
      for (const pending of page.welcomes) {
        const done = await this.#exclusive(async () => {
          if (this.engine.hasGroup(pending.conversationId) && this.engine.epoch(pending.conversationId) >= pending.epoch) return false;
          try {
            await this.engine.joinFromWelcome(fromBase64Url(pending.welcome));
          } catch (error) {
            // A Welcome this device cannot use now never becomes usable: drop it rather than retry forever.
            if (!(error instanceof MlsEngineError)) throw error;
            return false;
          }
          this.#joinedAt.set(pending.conversationId, pending.commitSeq);
          this.#updatedAt.set(pending.conversationId, Date.now());
          await this.engine.persist();
          return true;
        });
        if (done) joined.push(pending.conversationId);
        await this.#api.deleteWelcome(pending.id).catch((error: unknown) => {
          if (!(error instanceof ChatApiError && error.code === 'welcome_not_found')) throw error;
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    // Each join used up a one-time key package.
    if (joined.length) await this.replenishKeyPackages();
    return joined;
  }

  async #openEntry(entry: WireMessage): Promise<OpenedEntry> {
    if (entry.kind !== 'mls' || entry.deleted) return { status: 'plain' };
    const bytes = fromBase64Url(entry.body);
    const described = DeviceMls.describe(bytes);
    if (!described) return { status: 'failed', code: 'mls_malformed', message: 'not an MLS message' };
    if (described.wireformat === 'application' && entry.senderDeviceId === this.#device.deviceId) {
      const inner = this.#sent.get(entry.clientMessageId ?? '');
      this.#sent.delete(entry.clientMessageId ?? '');
      return inner ? { status: 'decrypted', inner, senderDeviceId: entry.senderDeviceId } : { status: 'failed', code: 'mls_undecryptable', message: 'sent by this device, and its plaintext was not kept' };
    }
    const conversationId = entry.conversationId as ConversationId;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#exclusive(() => this.#apply(entry, bytes, described.wireformat));
      } catch (error) {
        if (!(error instanceof MlsEngineError)) throw error;
        const beforeJoin = entry.seq <= (this.#joinedAt.get(conversationId) ?? 0);
        if (error.code === 'mls_stale_epoch' && described.wireformat === 'commit') return { status: 'handshake', outcome: undefined };
        if (attempt === 0 && !beforeJoin && error.code === 'mls_unknown_group') {
          await this.joinFromWelcomes();
          continue;
        }
        if (attempt === 0 && error.code === 'mls_future_epoch') {
          await this.#exclusive(() => this.#catchUp(conversationId));
          continue;
        }
        if (beforeJoin || (error.code === 'mls_unknown_group' && described.wireformat === 'commit')) return { status: 'handshake', outcome: undefined };
        return { status: 'failed', code: error.code, message: error.message };
      }
    }
  }

  async #apply(entry: WireMessage, bytes: Uint8Array, wireformat: 'commit' | 'application' | 'other'): Promise<OpenedEntry> {
    if (wireformat === 'commit') return { status: 'handshake', outcome: await this.engine.processHandshake(bytes) };
    const message = await this.engine.decrypt(bytes);
    // The server names the sending device; the MLS signature names it too. They must agree.
    if (message.senderDeviceId !== entry.senderDeviceId || message.groupId !== entry.conversationId) {
      return { status: 'failed', code: 'mls_sender_mismatch', message: `signed by device ${message.senderDeviceId} of group ${message.groupId}` };
    }
    return { status: 'decrypted', inner: decodeInnerBody(message.plaintext), senderDeviceId: message.senderDeviceId };
  }

  /**
   * Applies one membership change: build a commit on the current epoch, send it; when
   * another commit took the epoch (409 `stale_epoch`), apply the commits missed and build
   * the change again. `build` returns nothing when the change is no longer needed.
   */
  async #commitChange(conversationId: ConversationId, build: () => Promise<StagedCommit | undefined>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const done = await this.#exclusive(async () => {
        const staged = this.engine.stagedCommit(conversationId) ?? (await build());
        if (!staged) return true;
        await this.engine.persist();
        try {
          await this.#submit(conversationId, staged);
        } catch (error) {
          // No answer (network, 5xx): the server may have taken it. Keep it staged; its bytes coming back through the log settle it.
          if (!(error instanceof ChatApiError) || error.status >= 500) throw error;
          const lost = error.code === 'stale_epoch';
          this.engine.discardCommit(conversationId);
          if (!lost || attempt >= this.#maxAttempts) {
            await this.engine.persist();
            throw error;
          }
          await this.#catchUp(conversationId);
          await this.engine.persist();
          return false;
        }
        // The receive path may have applied it already (its bytes came back through the log).
        if (this.engine.stagedCommit(conversationId) === staged) this.engine.confirmCommit(conversationId);
        await this.engine.persist();
        return true;
      });
      if (done) return;
    }
  }

  async #submit(conversationId: ConversationId, staged: StagedCommit): Promise<void> {
    const request = {
      clientMessageId: crypto.randomUUID(),
      commit: toBase64Url(staged.commit),
      ...(staged.welcome ? { welcome: toBase64Url(staged.welcome) } : {}),
      sentAt: Date.now(),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#api.submitCommit(conversationId, request);
        return;
      } catch (error) {
        // A resend under the same client message id is answered with the original result.
        const network = !(error instanceof ChatApiError) || error.status >= 500;
        if (!network || attempt >= RETRYABLE_SUBMITS) throw error;
      }
    }
  }

  /** Reads the log back from the newest entry to the commit of this device's epoch and applies the commits after it, oldest first. */
  async #catchUp(conversationId: ConversationId): Promise<void> {
    const epoch = this.engine.epoch(conversationId);
    const missed: Uint8Array[] = [];
    let cursor: string | undefined;
    pages: do {
      const page = await this.#api.history(conversationId, { limit: 100, ...(cursor ? { before: cursor } : {}) });
      for (const entry of page.messages) {
        if (entry.kind !== 'mls' || entry.deleted) continue;
        const bytes = fromBase64Url(entry.body);
        const described = DeviceMls.describe(bytes);
        if (described?.wireformat !== 'commit') continue;
        if (described.epoch < epoch) break pages;
        missed.push(bytes);
      }
      cursor = page.nextCursor;
    } while (cursor);
    for (const bytes of missed.reverse()) {
      try {
        await this.engine.processHandshake(bytes);
      } catch (error) {
        if (!(error instanceof MlsEngineError) || error.code !== 'mls_stale_epoch') throw error;
      }
    }
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
