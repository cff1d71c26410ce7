/**
 * HLS (RFC 8216) for captions: the one-segment subtitle media playlist that wraps a
 * WebVTT file, and the master playlist rewritten to list the captions as a SUBTITLES
 * rendition group (§4.3.4.1 EXT-X-MEDIA) that every variant references (§4.3.4.2
 * SUBTITLES attribute). Without captions the group and the attributes are removed, so
 * the master is exactly what the transcoder wrote. URIs stay relative to the master, so
 * they keep working under any origin or edge path and carry a path-based signature.
 */
export const SUBTITLE_GROUP = 'subs';

export interface SubtitleTrack {
  lang: string;
  /** NAME: what the player's caption menu shows; unique in the group. */
  label: string;
  /** URI of the subtitle playlist, relative to the master. */
  uri: string;
}

/** Attribute list of a tag, quoted strings kept whole (CODECS="avc1…,mp4a…" holds a comma). */
function parseAttributes(list: string): Array<[string, string]> {
  return [...list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)].map((m) => [m[1]!, m[2]!]);
}

const quote = (value: string) => `"${value.replace(/["\r\n]/g, '')}"`;

export function withSubtitles(master: string, tracks: readonly SubtitleTrack[]): string {
  const lines = master.split(/\r?\n/);
  const out: string[] = [];
  const media = tracks.map(
    (t) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=${quote(SUBTITLE_GROUP)},NAME=${quote(t.label)},LANGUAGE=${quote(t.lang)},DEFAULT=NO,AUTOSELECT=YES,URI=${quote(t.uri)}`,
  );
  let mediaWritten = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA:') && /(?:^|[:,])TYPE=SUBTITLES(?:,|$)/.test(line)) continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      if (!mediaWritten) {
        out.push(...media);
        mediaWritten = true;
      }
      const attributes = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length)).filter(([name]) => name !== 'SUBTITLES');
      if (tracks.length > 0) attributes.push(['SUBTITLES', quote(SUBTITLE_GROUP)]);
      out.push(`#EXT-X-STREAM-INF:${attributes.map(([name, value]) => `${name}=${value}`).join(',')}`);
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A VOD subtitle playlist of one WebVTT segment spanning the whole video. */
export function subtitlePlaylist(vttUri: string, durationSec: number): string {
  const duration = Math.max(durationSec, 0.001);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    vttUri,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}
