/**
 * Fixtures of the views, trending, captions and watch-progress tests: accounts and
 * channels through the public API, and videos written straight into SQL as `ready` (with
 * a master playlist in the blob store when asked), so these tests need no transcode.
 */
import type { TestPlatform } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import type { AccountId, ChannelId, VideoId } from '../src/ids.ts';
import type { Visibility } from '../src/videos/status.ts';
import { insertVideo, transition } from '../src/videos/store.ts';
import { createChannel, signUp } from './helpers.ts';

export interface Owner {
  token: string;
  accountId: AccountId;
  channelId: ChannelId;
}

export async function owner(t: TestPlatform): Promise<Owner> {
  const { token, accountId } = await signUp(t);
  return { token, accountId: accountId as AccountId, channelId: (await createChannel(t, token)) as ChannelId };
}

export interface VideoSpec {
  visibility?: Visibility;
  durationSec?: number;
  /** false leaves the video `processing` (not ready). */
  ready?: boolean;
  /** Master playlist text stored at the video's master key. */
  master?: string;
  title?: string;
}

export const masterKey = (id: string) => `videos/${id}/hls/master.m3u8`;

export async function insertReadyVideo(t: TestPlatform, who: Owner, spec: VideoSpec = {}): Promise<VideoId> {
  const db = videoDb(t.platform);
  const id = t.platform.ids.next() as VideoId;
  await insertVideo(db, { id, channelId: who.channelId, accountId: who.accountId, title: spec.title ?? 'A video', description: '', tags: [], filename: 'clip.mp4', visibility: spec.visibility ?? 'public', sizeBytes: 1000 });
  await transition(db, id, ['uploading'], 'processing', { duration_sec: spec.durationSec ?? 120, width: 426, height: 240 });
  if (spec.ready === false) return id;
  if (spec.master !== undefined) await t.platform.blob.put(masterKey(id), Buffer.from(spec.master), { contentType: 'application/vnd.apple.mpegurl' });
  await transition(db, id, ['processing'], 'ready', { outputs: JSON.stringify({ master: masterKey(id), poster: `videos/${id}/poster.jpg`, rungs: [] }) });
  return id;
}

export async function storedViewCount(t: TestPlatform, id: string): Promise<number> {
  const row = await videoDb(t.platform).selectFrom('video').select('view_count').where('id', '=', id).executeTakeFirstOrThrow();
  return Number(row.view_count);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
