/**
 * Captions of a video: WebVTT files per language, uploaded by the owner once the video is
 * ready. Each upload stores the .vtt and its subtitle playlist in the blob store beside
 * the HLS output (versioned names, so a CDN never serves a replaced file), records the
 * caption in SQL, then rewrites the master playlist from the caption list in SQL — the
 * record of truth — and finally removes the replaced files. Anyone who may watch the
 * video may list its captions.
 */
import { text } from 'node:stream/consumers';
import { AppError, type Platform } from '@twin/platform';
import type { BlobStore } from '@twin/platform/blob';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import type { AccountId, VideoId } from '../ids.ts';
import { findOwnedVideo, findViewableVideo, requireReady } from '../views/viewable.ts';
import { withCaptionLock } from './caption-lock.ts';
import { subtitlePlaylist, withSubtitles } from './hls-subtitles.ts';
import { deleteCaption, listCaptions, upsertCaption, type CaptionRow } from './store.ts';
import { canonicalLanguage, languageLabel, validateWebVtt } from './webvtt.ts';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

export interface Caption extends CaptionRow {
  /** Blob keys of the WebVTT file and of its subtitle playlist. */
  vttKey: string;
  playlistKey: string;
}

/** Caption files live in `captions/` beside the master playlist: URIs relative to it stay simple. */
function captionFiles(masterKey: string, c: Pick<CaptionRow, 'lang' | 'version'>) {
  const dir = `${masterKey.slice(0, masterKey.lastIndexOf('/') + 1)}captions/`;
  const base = `${c.lang}-${c.version}`;
  return { dir, vtt: `${base}.vtt`, playlist: `${base}.m3u8`, vttKey: `${dir}${base}.vtt`, playlistKey: `${dir}${base}.m3u8` };
}

export class CaptionService {
  readonly #platform: Platform;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  get #blob(): BlobStore {
    return this.#platform.blob;
  }

  async put(caller: AccountId, id: string, rawLang: string, body: Uint8Array, label?: string): Promise<{ caption: Caption; created: boolean }> {
    const db = videoDb(this.#platform);
    const video = requireReady(await findOwnedVideo(db, id, caller));
    const lang = language(rawLang);
    const summary = validateWebVtt(body);
    const now = Date.now();
    const row: CaptionRow = { videoId: video.id, lang, label: label ?? languageLabel(lang), version: this.#platform.ids.next(), bytes: body.byteLength, cues: summary.cues, createdAt: now, updatedAt: now };
    const files = captionFiles(video.masterKey, row);
    return withCaptionLock(this.#platform.cache, video.id, async () => {
      await this.#blob.put(files.vttKey, Buffer.from(body), { contentType: 'text/vtt' });
      await this.#blob.put(files.playlistKey, Buffer.from(subtitlePlaylist(files.vtt, video.durationSec ?? summary.endSec)), { contentType: PLAYLIST_TYPE });
      const previous = await upsertCaption(db, row);
      await this.#rewriteMaster(video.id, video.masterKey);
      if (previous) await this.#removeFiles(video.masterKey, previous);
      return { caption: { ...row, createdAt: previous?.createdAt ?? now, vttKey: files.vttKey, playlistKey: files.playlistKey }, created: !previous };
    });
  }

  async list(caller: AccountId | undefined, id: string): Promise<Caption[]> {
    const video = await findViewableVideo(videoDb(this.#platform), id, caller);
    if (!video.masterKey) return [];
    const masterKey = video.masterKey;
    return (await listCaptions(videoDb(this.#platform), video.id)).map((c) => ({ ...c, ...pickKeys(captionFiles(masterKey, c)) }));
  }

  async remove(caller: AccountId, id: string, rawLang: string): Promise<void> {
    const db = videoDb(this.#platform);
    const video = requireReady(await findOwnedVideo(db, id, caller));
    const lang = language(rawLang);
    await withCaptionLock(this.#platform.cache, video.id, async () => {
      const removed = await deleteCaption(db, video.id, lang);
      if (!removed) throw new AppError(videoErrors.caption_not_found);
      await this.#rewriteMaster(video.id, video.masterKey);
      await this.#removeFiles(video.masterKey, removed);
    });
  }

  /** Rewrites the stored master from the captions in SQL: the group lists exactly those. */
  async #rewriteMaster(videoId: VideoId, masterKey: string): Promise<void> {
    const captions = await listCaptions(videoDb(this.#platform), videoId);
    const { body } = await this.#blob.get(masterKey);
    const master = await text(body);
    const names = new Set<string>();
    const tracks = captions.map((c) => {
      // NAME must be unique within the group (RFC 8216 §4.3.4.1.1).
      const label = names.has(c.label) ? `${c.label} (${c.lang})` : c.label;
      names.add(label);
      return { lang: c.lang, label, uri: `captions/${captionFiles(masterKey, c).playlist}` };
    });
    await this.#blob.put(masterKey, Buffer.from(withSubtitles(master, tracks)), { contentType: PLAYLIST_TYPE });
  }

  async #removeFiles(masterKey: string, c: CaptionRow): Promise<void> {
    const files = captionFiles(masterKey, c);
    await Promise.all([this.#blob.delete(files.vttKey), this.#blob.delete(files.playlistKey)]);
  }
}

function language(raw: string): string {
  const lang = canonicalLanguage(raw);
  if (!lang) throw new AppError(videoErrors.invalid_language, `"${raw.slice(0, 40)}" is not a BCP 47 language tag (en, pt-BR, zh-Hant…).`);
  return lang;
}

const pickKeys = (f: { vttKey: string; playlistKey: string }) => ({ vttKey: f.vttKey, playlistKey: f.playlistKey });
