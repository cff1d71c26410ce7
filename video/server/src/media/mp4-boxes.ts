/**
 * Just enough ISO BMFF (MP4) box reading for two jobs: spotting a truncated upload by
 * its top-level boxes (a box that declares more bytes than the file has, or media data
 * with no `moov` — ffprobe would only say "moov atom not found", which reads as corrupt
 * when the real story is an upload cut short), and reading the exact RFC 6381 codec
 * string of an init segment's `avcC` for the master playlist's CODECS attribute.
 */
import { open, readFile } from 'node:fs/promises';

export interface TopLevelBoxes {
  types: string[];
  /** Set when a box runs past the end of the file. */
  overrun?: { type: string; offset: number; declared: number; available: number };
}

export async function readTopLevelBoxes(file: string): Promise<TopLevelBoxes> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const types: string[] = [];
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= fileSize) {
      const { bytesRead } = await handle.read(header, 0, 16, offset);
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
  } finally {
    await handle.close();
  }
}

/** `avc1.PPCCLL` from the avcC box of an init segment (profile, constraint flags, level), or undefined. */
export async function readAvcCodecString(initSegment: string): Promise<string | undefined> {
  const bytes = await readFile(initSegment);
  const at = bytes.indexOf('avcC', 0, 'latin1');
  // avcC payload: configurationVersion(1) AVCProfileIndication(1) profile_compatibility(1) AVCLevelIndication(1)
  if (at < 0 || at + 8 > bytes.length) return undefined;
  const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(bytes[at + 5])}${hex(bytes[at + 6])}${hex(bytes[at + 7])}`;
}
