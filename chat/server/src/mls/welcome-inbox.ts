/**
 * Each device's Welcome inbox: the Welcomes of commits that added it, pending until the
 * device says it has joined (or given up) and deletes them. A device learns there is
 * something to fetch from the conversation log itself — the adding commit reaches every
 * device of every member, a newly added one included — and checks the inbox on connect.
 * Pages go by opaque keyset cursor, oldest first.
 */
import type { PendingWelcome, WelcomePage } from '@twin/chat-protocol';
import { AppError, platformErrors, type CursorCodec } from '@twin/platform';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import * as store from './store.ts';

const scope = (deviceId: string) => `mls-welcomes:${deviceId}`;

export class WelcomeInbox {
  readonly #db: store.MlsDb;
  readonly #cursors: CursorCodec;

  constructor(deps: { db: store.MlsDb; cursors: CursorCodec }) {
    this.#db = deps.db;
    this.#cursors = deps.cursors;
  }

  async list(device: DeviceIdentity, cursor: string | undefined, limit: number): Promise<WelcomePage> {
    let afterId: string | undefined;
    if (cursor !== undefined) {
      const [id] = this.#cursors.decode(scope(device.deviceId), cursor);
      if (typeof id !== 'string' || !isStorableId(id)) throw new AppError(platformErrors.invalid_cursor);
      afterId = id;
    }
    const rows = await store.pendingWelcomes(this.#db, device.deviceId, afterId, limit + 1);
    const welcomes: PendingWelcome[] = rows.slice(0, limit).map((row) => ({
      id: String(row.id),
      conversationId: String(row.conversation_id),
      epoch: Number(row.epoch),
      commitSeq: Number(row.commit_seq),
      welcome: Buffer.from(row.body).toString('base64url'),
      createdAt: Number(row.created_at),
    }));
    const last = welcomes.at(-1);
    return { welcomes, ...(rows.length > limit && last ? { nextCursor: this.#cursors.encode(scope(device.deviceId), [last.id]) } : {}) };
  }

  /** The device is done with the Welcome (joined, or it cannot use it). */
  async remove(device: DeviceIdentity, welcomeId: string): Promise<void> {
    const removed = isStorableId(welcomeId) && (await this.#db.transaction().execute((trx) => store.dropRecipient(trx, device.deviceId, welcomeId)));
    if (!removed) throw new AppError(chatErrors.welcome_not_found);
  }
}
