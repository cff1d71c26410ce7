/**
 * Channels: an account creates its own; anyone reads one (a channel is public, as on
 * YouTube); only its owner renames or deletes it (another account gets 403
 * channel_not_owned, an unknown id 404). Deleting a channel deletes its videos, announced
 * by `video.deleted` events written in the same transaction.
 */
import { AppError, type Platform } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type AccountId, type ChannelId } from '../ids.ts';
import { writeVideoEvents } from '../videos/events.ts';
import { deleteChannel, findChannel, findOwnedChannel, insertChannel, listChannels, updateChannel, type ChannelRow } from './store.ts';

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

  /** Any channel; 404 channel_not_found when there is none. */
  async get(id: string): Promise<ChannelRow> {
    const channel = isStorableId(id) ? await findChannel(videoDb(this.#platform), id as ChannelId) : undefined;
    if (!channel) throw new AppError(videoErrors.channel_not_found);
    return channel;
  }

  async update(caller: AccountId, id: string, change: { name?: string; description?: string }): Promise<ChannelRow> {
    const channel = await this.#owned(caller, id);
    await updateChannel(videoDb(this.#platform), channel.id, change);
    return { ...channel, ...change };
  }

  async delete(caller: AccountId, id: string): Promise<void> {
    const channel = await this.#owned(caller, id);
    await videoDb(this.#platform)
      .transaction()
      .execute(async (trx) => {
        const videoIds = await deleteChannel(trx, channel.id);
        await writeVideoEvents(this.#platform.bus, trx, [{ type: 'video.deleted', payload: { videoIds } }]);
      });
    this.#platform.outboxRelay.notify();
  }

  async #owned(caller: AccountId, id: string): Promise<ChannelRow> {
    const channel = await this.get(id);
    if (channel.accountId !== caller) throw new AppError(videoErrors.channel_not_owned);
    return channel;
  }
}
