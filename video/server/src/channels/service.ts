/** Channels: an account creates and reads its own; another account's channel does not exist for it (404). */
import { AppError, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type AccountId, type ChannelId } from '../ids.ts';
import { findOwnedChannel, insertChannel, listChannels, type ChannelRow } from './store.ts';

export class ChannelService {
  readonly #platform: Platform;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  async create(accountId: AccountId, input: { name: string; description?: string }): Promise<ChannelRow> {
    const channel: ChannelRow = { id: this.#platform.ids.next() as ChannelId, accountId, name: input.name, description: input.description ?? '', createdAt: Date.now() };
    await insertChannel(videoDb(this.#platform), channel);
    return channel;
  }

  list(accountId: AccountId): Promise<ChannelRow[]> {
    return listChannels(videoDb(this.#platform), accountId);
  }

  /** The channel if the account owns it; 404 channel_not_found otherwise. */
  async getOwned(accountId: AccountId, id: string): Promise<ChannelRow> {
    const channel = isStorableId(id) ? await findOwnedChannel(videoDb(this.#platform), accountId, id as ChannelId) : undefined;
    if (!channel) throw new AppError(videoErrors.channel_not_found);
    return channel;
  }
}
