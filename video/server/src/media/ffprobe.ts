/**
 * ffprobe, typed: the stream/format summary of a file and its video packet list (the
 * latter is demux-only, so listing the keyframes of a 4-hour file costs seconds, not a
 * decode). Only the fields this module reads are typed; ffprobe emits many more.
 */
import { runTool, runToolOrThrow, ToolExitError } from './run-ffmpeg.ts';

export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

export interface ProbeFormat {
  format_name?: string;
  duration?: string;
  size?: string;
  bit_rate?: string;
}

export interface ProbeResult {
  format: ProbeFormat;
  streams: ProbeStream[];
}

/** `ffprobe -show_format -show_streams`; rejects with ToolExitError when ffprobe cannot open the file. */
export async function probe(file: string, signal?: AbortSignal): Promise<ProbeResult> {
  const args = ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file];
  const result = await runTool('ffprobe', args, signal ? { signal } : {});
  let parsed: Partial<ProbeResult> | undefined;
  try {
    parsed = JSON.parse(result.stdout) as Partial<ProbeResult>;
  } catch {
    parsed = undefined;
  }
  if (result.exitCode !== 0 || !parsed?.format || !Array.isArray(parsed.streams)) {
    throw new ToolExitError('ffprobe', result.exitCode, result.stderr || 'no format in ffprobe output');
  }
  return { format: parsed.format, streams: parsed.streams };
}

export interface VideoPacket {
  ptsSec: number;
  dtsSec: number;
  durationSec: number;
  keyframe: boolean;
}

/** Every packet of the first video stream, in file (decode) order. */
export async function listVideoPackets(file: string, signal?: AbortSignal): Promise<VideoPacket[]> {
  const packets: VideoPacket[] = [];
  const args = ['-v', 'error', '-select_streams', 'V:0', '-show_entries', 'packet=pts_time,dts_time,duration_time,flags', '-of', 'csv=p=0', file];
  await runToolOrThrow('ffprobe', args, {
    ...(signal ? { signal } : {}),
    onStdoutLine(line) {
      // csv order follows ffprobe's field order: pts_time,dts_time,duration_time,flags
      const [pts, dts, duration, flags] = line.split(',');
      if (pts === undefined || flags === undefined) return;
      const ptsSec = Number(pts);
      if (!Number.isFinite(ptsSec)) return;
      packets.push({ ptsSec, dtsSec: Number(dts), durationSec: Number(duration), keyframe: flags.includes('K') });
    },
  });
  return packets;
}

/** "30000/1001" → 29.97; undefined for "0/0" and garbage. */
export function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [num, den] = rate.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num) || num <= 0) return undefined;
  const value = den === undefined ? num : num / den;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Display rotation in degrees (0, 90, 180, 270) from the display matrix or the legacy `rotate` tag. */
export function streamRotation(stream: ProbeStream): number {
  const matrix = stream.side_data_list?.find((d) => d.rotation !== undefined);
  const raw = matrix?.rotation ?? Number(stream.tags?.['rotate'] ?? 0);
  const normalised = ((Math.round(raw / 90) * 90) % 360 + 360) % 360;
  return Number.isFinite(normalised) ? normalised : 0;
}

/** The first real video stream: cover art in an MP3 or M4A is a one-frame "video" stream to ignore. */
export function primaryVideoStream(streams: readonly ProbeStream[]): ProbeStream | undefined {
  return streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && (s.width ?? 0) > 0);
}
