/**
 * Just enough ISO BMFF (MP4) box reading for two jobs: spotting a truncated upload by
 * its top-level boxes (a box that declares more bytes than the file has, or media data
 * with no `moov` — ffprobe would only say "moov atom not found", which reads as corrupt
 * when the real story is an upload cut short), and reading the exact RFC 6381 codec
 * string of an init segment's `avcC` for the master playlist's CODECS attribute.
 */
import { readFile } from 'node:fs/promises';
import type { MediaInput } from './media-input.ts';

export interface TopLevelBoxes {
  types: string[];
  /** Set when a box runs past the end of the file. */
  overrun?: { type: string; offset: number; declared: number; available: number };
}

/** Walks the top-level boxes, reading only their headers (a few bytes each, wherever the source lives). */
export async function readTopLevelBoxes(input: Pick<MediaInput, 'size' | 'read'>): Promise<TopLevelBoxes> {
  const fileSize = input.size;
  const types: string[] = [];
  let offset = 0;
  while (offset + 8 <= fileSize) {
    const header = Buffer.from(await input.read(offset, 16));
    const bytesRead = header.length;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (size === 1) {
      if (bytesRead < 16) return { types, overrun: { type, offset, declared: 16, available: fileSize - offset } };
      size = Number(header.readBigUInt64BE(8));
    } else if (size === 0) {
      size = fileSize - offset; // "extends to end of file", legal for the last box only
    }
    if (size < 8) return { types, overrun: { type, offset, declared: size, available: fileSize - offset } };
    types.push(type);
    if (offset + size > fileSize) return { types, overrun: { type, offset, declared: size, available: fileSize - offset } };
    offset += size;
  }
  return { types };
}

/**
 * The RFC 6381 CODECS value of an fMP4 init segment: `avc1.PPCCLL` from avcC and, when
 * there is an audio track, `mp4a.OO.A` from esds (object type and AAC audio object type).
 */
export async function readCodecsString(initSegment: string): Promise<string> {
  const bytes = await readFile(initSegment);
  const codecs: string[] = [];
  const video = avcCodec(bytes);
  if (video) codecs.push(video);
  const audio = mp4aCodec(bytes);
  if (audio) codecs.push(audio);
  if (codecs.length === 0) throw new Error(`${initSegment} has neither avcC nor esds`);
  return codecs.join(',');
}

function avcCodec(bytes: Buffer): string | undefined {
  const at = bytes.indexOf('avcC', 0, 'latin1');
  if (at < 0 || at + 8 > bytes.length) return undefined;
  const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(bytes[at + 5])}${hex(bytes[at + 6])}${hex(bytes[at + 7])}`;
}

// ISO/IEC 14496-1 descriptors inside esds: ES_Descriptor(0x03) → DecoderConfigDescriptor(0x04)
// → DecoderSpecificInfo(0x05, the AudioSpecificConfig whose first 5 bits are the object type).
function mp4aCodec(bytes: Buffer): string | undefined {
  const at = bytes.indexOf('esds', 0, 'latin1');
  if (at < 0) return undefined;
  let p = at + 8; // skip type and version/flags
  const readLength = () => {
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const b = bytes[p++] ?? 0;
      length = (length << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    return length;
  };
  if (bytes[p++] !== 0x03) return undefined;
  readLength();
  p += 2; // ES_ID
  const flags = bytes[p++] ?? 0;
  if (flags & 0x80) p += 2;
  if (flags & 0x40) p += 1 + (bytes[p] ?? 0);
  if (flags & 0x20) p += 2;
  if (bytes[p++] !== 0x04) return undefined;
  readLength();
  const objectType = bytes[p] ?? 0;
  p += 13;
  if (bytes[p++] !== 0x05) return `mp4a.${objectType.toString(16)}`;
  readLength();
  const audioObjectType = (bytes[p] ?? 0) >> 3;
  return `mp4a.${objectType.toString(16)}.${audioObjectType}`;
}
