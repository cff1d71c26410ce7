/**
 * The end of every transcode, single or parallel: poster and storyboard from the source
 * (rendered beside the encode), every output uploaded under `videos/<id>/` (overwriting
 * what an interrupted attempt left),
 * then the metadata and `ready` in SQL, and a live `ready` event.
 */
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { videoDb } from '../db.ts';
import type { VideoId } from '../ids.ts';
import { renderPoster, renderStoryboard, type HlsLadderResult, type Storyboard } from '../media/index.ts';
import { transition } from '../videos/store.ts';
import { contentTypeFor, uploadDirectory } from './blob-files.ts';
import type { JobContext } from './job-context.ts';

export const outputPrefix = (id: VideoId) => `videos/${id}/`;

export interface Stills {
  posterFile: string;
  storyboardDir: string;
  storyboard: Storyboard;
}

/**
 * Poster and storyboard from the source. Callers start it beside the ladder encode rather
 * than after it: it is a small decode that overlaps the encode instead of adding to it.
 */
export async function renderStills(o: { source: string; workDir: string; durationSec: number }): Promise<Stills> {
  const posterFile = join(o.workDir, 'poster.jpg');
  const storyboardDir = join(o.workDir, 'storyboard');
  await mkdir(storyboardDir, { recursive: true });
  // A frame a little in, as YouTube does, past fade-ins; never past the end of short clips.
  const [, storyboard] = await Promise.all([
    renderPoster({ input: o.source, outFile: posterFile, atSec: Math.min(o.durationSec * 0.1, 5) }),
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
  if (await transition(videoDb(platform), o.videoId, ['processing'], 'ready', { outputs: JSON.stringify(outputs) })) {
    await live.progress(o.videoId, { fraction: 1 });
    await live.status(o.videoId, 'ready');
  }
}
