/**
 * Fixtures of the catalog and search tests: videos written straight into SQL and made
 * `ready` the way the transcoder does it — the transition and its `video.ready` outbox
 * event in one transaction — so the search index learns of them through the real bus
 * and consumer, with no transcode.
 */
import type { TestPlatform } from '@twin/platform/testing';
import { json } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import type { VideoId } from '../src/ids.ts';
import { writeVideoEvents } from '../src/videos/events.ts';
import type { Visibility } from '../src/videos/status.ts';
import { insertVideo, transition } from '../src/videos/store.ts';
import type { Owner } from './views-fixtures.ts';

export interface CatalogVideo {
  title: string;
  description?: string;
  tags?: string[];
  visibility?: Visibility;
  durationSec?: number;
  /** false leaves it `processing`. */
  ready?: boolean;
}

/** Inserts the videos and makes them ready with one `video.ready` event; resolves their ids in order. */
export async function publishVideos(t: TestPlatform, who: Owner, specs: CatalogVideo[]): Promise<VideoId[]> {
  const db = videoDb(t.platform);
  const ids: VideoId[] = [];
  for (const spec of specs) {
    const id = t.platform.ids.next() as VideoId;
    await insertVideo(db, { id, channelId: who.channelId, accountId: who.accountId, title: spec.title, description: spec.description ?? '', tags: spec.tags ?? [], filename: 'clip.mp4', visibility: spec.visibility ?? 'public', sizeBytes: 1000 });
    await transition(db, id, ['uploading'], 'processing', { duration_sec: spec.durationSec ?? 120, width: 640, height: 360 });
    ids.push(id);
  }
  const ready = ids.filter((_, i) => specs[i]!.ready !== false);
  await db.transaction().execute(async (trx) => {
    for (const id of ready) {
      const outputs = { master: `videos/${id}/hls/master.m3u8`, poster: `videos/${id}/poster.jpg`, storyboard: { sprite: `videos/${id}/storyboard/sprite.jpg`, vtt: `videos/${id}/storyboard/storyboard.vtt` }, rungs: [{ name: '360p', width: 640, height: 360, bandwidth: 900_000 }] };
      await transition(trx, id, ['processing'], 'ready', { outputs: JSON.stringify(outputs) });
    }
    await writeVideoEvents(t.platform.bus, trx, [{ type: 'video.ready', payload: { videoIds: ready } }]);
  });
  t.platform.outboxRelay.notify();
  return ids;
}

export async function publishVideo(t: TestPlatform, who: Owner, spec: CatalogVideo): Promise<VideoId> {
  return (await publishVideos(t, who, [spec]))[0]!;
}

/** GET /v1/search/videos with these query parameters; resolves status and body. */
export async function searchVideos(t: TestPlatform, query: Record<string, string | number | boolean>): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await t.app.inject({ method: 'GET', url: `/v1/search/videos?${qs}` });
  return { status: res.statusCode, body: json(res) };
}

/** The ids a search finds (first page). */
export async function foundIds(t: TestPlatform, query: Record<string, string | number | boolean>): Promise<string[]> {
  const { status, body } = await searchVideos(t, query);
  if (status !== 200) throw new Error(`search: ${status} ${JSON.stringify(body)}`);
  return body.items.map((v: { id: string }) => v.id);
}
