/**
 * Reading and writing the few HLS (RFC 8216) playlist shapes this module produces: a
 * VOD media playlist of fMP4 segments behind one EXT-X-MAP, and the master playlist.
 * Writing the master ourselves (rather than ffmpeg's master_pl_name) lets CODECS come
 * from the actual init segment and BANDWIDTH from the actual segment sizes.
 */
export interface MediaPlaylist {
  targetDuration: number;
  /** The EXT-X-MAP URI (the init segment), relative to the playlist. */
  map?: string;
  segments: Array<{ uri: string; durationSec: number }>;
  endList: boolean;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  const playlist: MediaPlaylist = { targetDuration: 0, segments: [], endList: false };
  let pendingDuration: number | undefined;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) playlist.targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MAP:')) playlist.map = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line.startsWith('#EXTINF:')) pendingDuration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-ENDLIST') playlist.endList = true;
    else if (!line.startsWith('#')) {
      if (pendingDuration === undefined) throw new Error(`segment ${line} has no #EXTINF`);
      playlist.segments.push({ uri: line, durationSec: pendingDuration });
      pendingDuration = undefined;
    }
  }
  return playlist;
}

export interface VariantStream {
  uri: string;
  /** Peak segment bitrate, bits/s. */
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  codecs: string;
  frameRate?: number;
}

export function renderMasterPlaylist(variants: readonly VariantStream[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    const attributes = [
      `BANDWIDTH=${Math.ceil(v.bandwidth)}`,
      `AVERAGE-BANDWIDTH=${Math.ceil(v.averageBandwidth)}`,
      `RESOLUTION=${v.width}x${v.height}`,
      `CODECS="${v.codecs}"`,
      ...(v.frameRate ? [`FRAME-RATE=${v.frameRate.toFixed(3)}`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}
