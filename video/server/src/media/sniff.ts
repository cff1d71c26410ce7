/**
 * Magic-byte sniffing of container formats, done before ffprobe so that an upload of
 * a PDF or a ZIP is refused as `not_a_video` without handing arbitrary bytes to a
 * demuxer zoo. Only the containers a camera, phone or editor actually produces pass.
 */
export type ContainerFamily = 'mp4' | 'matroska' | 'avi' | 'mpegts' | 'flv' | 'ogg' | 'mpeg-ps';

/** How many leading bytes sniffContainer wants to see (MPEG-TS needs three packets). */
export const SNIFF_BYTES = 600;

// ISO BMFF (MP4, MOV, 3GP, M4V): the first box. Old QuickTime files may open with
// moov/mdat/free/wide/skip instead of ftyp.
const isoFirstBoxes = new Set(['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot']);

export function sniffContainer(head: Uint8Array): ContainerFamily | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 8 && isoFirstBoxes.has(ascii(4, 8))) return 'mp4';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'matroska';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi';
  if (head.length >= 4 && ascii(0, 3) === 'FLV' && head[3] === 0x01) return 'flv';
  if (head.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (head.length >= 4 && head[0] === 0x00 && head[1] === 0x00 && head[2] === 0x01 && head[3] === 0xba) return 'mpeg-ps';
  if (isTransportStream(head, 0, 188) || isTransportStream(head, 4, 192)) return 'mpegts';
  return undefined;
}

/** Sync byte 0x47 at the start of two or three consecutive packets: 188-byte TS or 192-byte M2TS (Blu-ray, AVCHD). */
function isTransportStream(head: Uint8Array, offset: number, packetSize: number): boolean {
  const packets = Math.min(3, Math.floor((head.length - 1 - offset) / packetSize) + 1);
  if (packets < 2) return false;
  for (let i = 0; i < packets; i++) if (head[offset + i * packetSize] !== 0x47) return false;
  return true;
}
