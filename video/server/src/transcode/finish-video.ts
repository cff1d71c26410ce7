/**
 * The end of every transcode, single or parallel: every output uploaded under
 * `videos/<id>/` (overwriting what an interrupted attempt left),
 * then the metadata and `ready` in SQL with the `video.ready` catalog event, and a live
 * `ready` event; or, for a video deleted meanwhile, the prefix removed again.
 */
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { videoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { posterTimeSec, renderPoster, renderStoryboard, type HlsLadderResult, type Storyboard } from '../media/index.ts';
import { writeVideoEvents } from '../videos/events.ts';
import { findVideo, transition } from '../videos/store.ts';
import { contentTypeFor, uploadDirectory } from './blob-files.ts';
import type { JobContext } from './job-context.ts';

export const outputPrefix = (id: VideoId) => `videos/${id}/`;

export interface Stills {
  posterFile: string;
  storyboardDir: string;
  storyboard: Storyboard;
}

export const storyboardDirIn = (workDir: string) => join(workDir, 'storyboard');

export const posterFileIn = (workDir: string) => join(workDir, 'poster.jpg');

/** Poster and storyboard from the source alone, for parallel mode, whose stitch decodes nothing. */
export async function renderStills(o: { source: string; workDir: string; durationSec: number }): Promise<Stills> {
  const storyboardDir = storyboardDirIn(o.workDir);
  await mkdir(storyboardDir, { recursive: true });
  const posterFile = posterFileIn(o.workDir);
  const [, storyboard] = await Promise.all([
    renderPoster({ input: o.source, outFile: posterFile, atSec: posterTimeSec(o.durationSec) }),
    renderStoryboard({ input: o.source, outDir: storyboardDir, durationSec: o.durationSec }),
  ]);
  return { posterFile, storyboardDir, storyboard };
}

export async function finishVideo(context: JobContext, o: { videoId: VideoId; hlsDir: string; ladder: HlsLadderResult; stills: Stills }): Promise<void> {
  const { platform, live } = context;
  const prefix = outputPrefix(o.videoId);
  const { posterFile, storyboardDir, storyboard } = o.stills;
  const [hlsFiles] = await Promise.all([
    uploadDirectory(platform.blob, o.hlsDir, `${prefix}hls/`),
    platform.blob.put(`${prefix}poster.jpg`, createReadStream(posterFile), { contentType: contentTypeFor(posterFile) }),
    uploadDirectory(platform.blob, storyboardDir, `${prefix}storyboard/`),
  ]);

  const outputs = {
    master: `${prefix}hls/${o.ladder.masterPlaylist}`,
    rungs: o.ladder.rungs.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      videoKbps: r.videoKbps,
      audioKbps: r.audioKbps,
      playlist: `${prefix}hls/${r.playlist}`,
      bytes: r.bytes,
      segments: r.segments,
      codecs: r.codecs,
      bandwidth: r.bandwidth,
      averageBandwidth: r.averageBandwidth,
      durationSec: r.durationSec,
    })),
    poster: `${prefix}poster.jpg`,
    storyboard: {
      sprite: `${prefix}storyboard/${storyboard.sprite}`,
      vtt: `${prefix}storyboard/${storyboard.vtt}`,
      tiles: storyboard.tiles,
      columns: storyboard.columns,
      rows: storyboard.rows,
      tileWidth: storyboard.tileWidth,
      tileHeight: storyboard.tileHeight,
      intervalSec: storyboard.intervalSec,
    },
    files: hlsFiles.length,
    totalBytes: hlsFiles.reduce((sum, f) => sum + f.size, 0),
  };
  // `ready` and its catalog event commit together, so the search index hears of every ready video.
  const ready = await videoDb(platform)
    .transaction()
    .execute(async (trx) => {
      const ok = await transition(trx, o.videoId, ['processing'], 'ready', { outputs: JSON.stringify(outputs) });
      if (ok) await writeVideoEvents(platform.bus, trx, [{ type: 'video.ready', payload: { videoIds: [o.videoId] } }]);
      return ok;
    });
  if (ready) {
    platform.outboxRelay.notify();
    await live.progress(o.videoId, { fraction: 1 });
    await live.status(o.videoId, 'ready');
  } else if (!(await findVideo(videoDb(platform), o.videoId))) {
    // Deleted while it transcoded: the blob cleanup may have run before these uploads,
    // which would otherwise stay forever.
    await platform.blob.deletePrefix(prefix);
  }
}
