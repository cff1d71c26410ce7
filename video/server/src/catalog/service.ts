/**
 * The catalog: a video's detail as the caller may see it, its owner's metadata changes
 * and deletion — each committed with its outbox events (`video.updated`,
 * `video.visibility_changed`, `video.deleted`) so the search index and other consumers
 * follow — and the keyset-paged listings of a channel's videos and of the latest public
 * ones. Videos are created by uploads (uploads/).
 */
import { AppError, platformErrors, type Platform } from '@twin/platform';
import { findChannel } from '../channels/store.ts';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import { isStorableId, type AccountId, type ChannelId, type VideoId } from '../ids.ts';
import { writeVideoEvents, type VideoEvent } from '../videos/events.ts';
import type { VideoLive } from '../videos/live.ts';
import { findVideo, type VideoRow } from '../videos/store.ts';
import { channelVideos, deleteVideo, latestPublicVideos, updateVideoMetadata, type VideoMetadataChange, type VideoSummaryRow } from './store.ts';
import { canSee, isOwner } from './visibility.ts';

export interface VideoDetail extends VideoRow {
  /** 0..1 while processing (from the transcoder), 1 when ready, 0 before. */
  progress: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class CatalogService {
  readonly #platform: Platform;
  readonly #live: VideoLive;

  constructor(platform: Platform, live: VideoLive) {
    this.#platform = platform;
    this.#live = live;
  }

  /** The video if the caller may see it (visibility.ts); 404 video_not_found otherwise. */
  async detail(caller: AccountId | undefined, id: string): Promise<VideoDetail> {
    const video = await this.#visible(caller, id);
    const progress = video.status === 'ready' ? 1 : video.status === 'processing' ? ((await this.#live.lastProgress(video.id)) ?? 0) : 0;
    return { ...video, progress };
  }

  /** Changes title, description, tags or visibility of the caller's video; events only for what changed. */
  async update(caller: AccountId, id: string, change: VideoMetadataChange): Promise<VideoDetail> {
    const before = await this.#owned(caller, id);
    const changed: VideoMetadataChange = {
      ...(change.title !== undefined && change.title !== before.title ? { title: change.title } : {}),
      ...(change.description !== undefined && change.description !== before.description ? { description: change.description } : {}),
      ...(change.tags !== undefined && JSON.stringify(change.tags) !== JSON.stringify(before.tags) ? { tags: change.tags } : {}),
      ...(change.visibility !== undefined && change.visibility !== before.visibility ? { visibility: change.visibility } : {}),
    };
    const events: VideoEvent[] = [];
    if (changed.title !== undefined || changed.description !== undefined || changed.tags !== undefined) events.push({ type: 'video.updated', payload: { videoIds: [before.id] } });
    if (changed.visibility !== undefined) events.push({ type: 'video.visibility_changed', payload: { videoIds: [before.id], from: before.visibility, to: changed.visibility } });
    if (events.length > 0) {
      await videoDb(this.#platform)
        .transaction()
        .execute(async (trx) => {
          await updateVideoMetadata(trx, before.id, changed);
          await writeVideoEvents(this.#platform.bus, trx, events);
        });
      this.#platform.outboxRelay.notify();
    }
    return this.detail(caller, id);
  }

  async delete(caller: AccountId, id: string): Promise<void> {
    const video = await this.#owned(caller, id);
    const deleted = await videoDb(this.#platform)
      .transaction()
      .execute(async (trx) => {
        const gone = await deleteVideo(trx, video.id);
        if (gone) await writeVideoEvents(this.#platform.bus, trx, [{ type: 'video.deleted', payload: { videoIds: [video.id] } }]);
        return gone;
      });
    if (!deleted) throw new AppError(videoErrors.video_not_found);
    this.#platform.outboxRelay.notify();
  }

  /** A channel's videos, newest first: all of them for its owner, the public ready ones for anyone else. */
  async channelVideos(caller: AccountId | undefined, channelId: string, o: { cursor?: string | undefined; limit: number }): Promise<Page<VideoSummaryRow>> {
    const channel = isStorableId(channelId) ? await findChannel(videoDb(this.#platform), channelId as ChannelId) : undefined;
    if (!channel) throw new AppError(videoErrors.channel_not_found);
    const scope = `channel-videos:${channel.id}`;
    const beforeId = this.#afterId(scope, o.cursor);
    const rows = await channelVideos(videoDb(this.#platform), { channelId: channel.id, publishedOnly: channel.accountId !== caller, ...(beforeId ? { beforeId } : {}), limit: o.limit + 1 });
    return this.#page(scope, rows, o.limit);
  }

  /** The latest public, ready videos, newest first. */
  async latest(o: { cursor?: string | undefined; limit: number }): Promise<Page<VideoSummaryRow>> {
    const scope = 'latest-videos';
    const beforeId = this.#afterId(scope, o.cursor);
    const rows = await latestPublicVideos(videoDb(this.#platform), { ...(beforeId ? { beforeId } : {}), limit: o.limit + 1 });
    return this.#page(scope, rows, o.limit);
  }

  #afterId(scope: string, cursor: string | undefined): VideoId | undefined {
    if (cursor === undefined) return undefined;
    const [id, extra] = this.#platform.cursors.decode(scope, cursor);
    if (typeof id !== 'string' || extra !== undefined || !isStorableId(id)) throw new AppError(platformErrors.invalid_cursor, 'The cursor is not valid: malformed key.');
    return id as VideoId;
  }

  /** `rows` holds one more than a page when there is a next page. */
  #page(scope: string, rows: VideoSummaryRow[], limit: number): Page<VideoSummaryRow> {
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? this.#platform.cursors.encode(scope, [items.at(-1)!.id]) : null };
  }

  async #visible(caller: AccountId | undefined, id: string): Promise<VideoDetail> {
    const video = isStorableId(id) ? await findVideo(videoDb(this.#platform), id as VideoId) : undefined;
    if (!video || !canSee(video, caller)) throw new AppError(videoErrors.video_not_found);
    return { ...video, progress: 0 };
  }

  async #owned(caller: AccountId, id: string): Promise<VideoDetail> {
    const video = await this.#visible(caller, id);
    if (!isOwner(video, caller)) throw new AppError(videoErrors.video_not_owned);
    return video;
  }
}
