/**
 * Fixtures of the origin and edge tests: one real HLS output made once per test file (a
 * 2 s clip through the project's own ladder transcode, poster and storyboard), and ready
 * videos whose rows are written straight into SQL with that output uploaded under their
 * prefix in the blob store, exactly where the transcoder puts it, so no test waits for a
 * transcode per video.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPlatform } from '@twin/platform/testing';
import { videoDb } from '../src/db.ts';
import type { VideoId } from '../src/ids.ts';
import { planLadder, transcodeHlsLadder } from '../src/media/index.ts';
import { generateSource } from '../src/media/test-sources.ts';
import { uploadDirectory } from '../src/transcode/blob-files.ts';
import { renderStills } from '../src/transcode/finish-video.ts';
import type { Visibility } from '../src/videos/status.ts';
import { insertReadyVideo, type Owner } from './views-fixtures.ts';

export const PLAYBACK_SECRET = 'origin-test-secret-0123456789abcdefghij';

export interface HlsFixture {
  dir: string;
  hlsDir: string;
  posterFile: string;
  storyboardDir: string;
  sprite: string;
  vtt: string;
  remove(): Promise<void>;
}

export async function makeHlsFixture(): Promise<HlsFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'origin-test-'));
  const source = await generateSource(dir, { width: 426, height: 240, durationSec: 2 });
  const hlsDir = join(dir, 'hls');
  const [, stills] = await Promise.all([
    transcodeHlsLadder({ input: source, outDir: hlsDir, rungs: planLadder({ width: 426, height: 240 }), segmentSeconds: 1, durationSec: 2, hasAudio: true, preset: 'ultrafast' }),
    renderStills({ source, workDir: dir, durationSec: 2 }),
  ]);
  return {
    dir,
    hlsDir,
    posterFile: stills.posterFile,
    storyboardDir: stills.storyboardDir,
    sprite: stills.storyboard.sprite,
    vtt: stills.storyboard.vtt,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A ready video of `who` with the fixture's output stored under `videos/{id}/`, as finishVideo leaves it. */
export async function insertPlayableVideo(t: TestPlatform, who: Owner, fixture: HlsFixture, visibility: Visibility = 'public'): Promise<VideoId> {
  const id = await insertReadyVideo(t, who, { visibility, durationSec: 2 });
  const prefix = `videos/${id}/`;
  await Promise.all([
    uploadDirectory(t.platform.blob, fixture.hlsDir, `${prefix}hls/`),
    uploadDirectory(t.platform.blob, fixture.storyboardDir, `${prefix}storyboard/`),
    readFile(fixture.posterFile).then((bytes) => t.platform.blob.put(`${prefix}poster.jpg`, bytes, { contentType: 'image/jpeg' })),
  ]);
  const outputs = { master: `${prefix}hls/master.m3u8`, poster: `${prefix}poster.jpg`, storyboard: { sprite: `${prefix}storyboard/${fixture.sprite}`, vtt: `${prefix}storyboard/${fixture.vtt}` }, rungs: [] };
  await videoDb(t.platform).updateTable('video').set({ outputs: JSON.stringify(outputs) }).where('id', '=', id).execute();
  return id;
}

/** Relative names of every file the fixture's HLS output holds (playlists, init and media segments). */
export async function hlsFiles(fixture: HlsFixture): Promise<string[]> {
  const entries = await readdir(fixture.hlsDir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(fixture.hlsDir.length + 1));
}

/** The URIs a playlist names (variant playlists, EXT-X-MAP init, segments, subtitle playlists). */
export function playlistUris(text: string): string[] {
  const uris: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('#')) uris.push(trimmed);
    for (const m of trimmed.matchAll(/URI="([^"]+)"/g)) uris.push(m[1]!);
  }
  return uris;
}
