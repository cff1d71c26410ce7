/**
 * Upload validation, cheapest check first so a bad file costs as little as possible:
 * size → magic bytes → (MP4) top-level box walk → ffprobe → stream and limit checks →
 * a look at the tail (do the video packets reach the declared duration, and does the
 * last stretch decode without errors). Each failure is a MediaError with a precise
 * reason; a file that passes comes back as MediaInfo in display orientation.
 */
import { listVideoPackets, probe, parseRate, primaryVideoStream, streamRotation, type ProbeResult, type ProbeStream } from './ffprobe.ts';
import { MediaError } from './media-error.ts';
import { fileInput, type MediaInput } from './media-input.ts';
import { readTopLevelBoxes } from './mp4-boxes.ts';
import { lastLines, runTool, ToolExitError } from './run-ffmpeg.ts';
import { SNIFF_BYTES, sniffContainer } from './sniff.ts';

export interface MediaInfo {
  durationSec: number;
  sizeBytes: number;
  /** ffprobe's format_name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2'. */
  formatName: string;
  video: {
    codec: string;
    /** Display width: already swapped when rotation is 90 or 270. */
    width: number;
    /** Display height: already swapped when rotation is 90 or 270. */
    height: number;
    fps: number;
    bitrateKbps?: number;
    /** Clockwise display rotation in degrees when not 0; ffmpeg applies it while transcoding. */
    rotation?: number;
  };
  audio?: { codec: string; sampleRate: number; channels: number };
}

export interface MediaLimits {
  maxDurationSec: number;
  /** Longest side limit, default 3840. */
  maxWidth?: number;
  /** Shortest side limit, default 2160. */
  maxHeight?: number;
}

/** Video packets must reach the declared duration within this much (or 5 % of it). */
const TAIL_SLACK_SEC = 2;
/** Seconds of the tail decoded to look for decode errors. */
const TAIL_DECODE_SEC = 2;

/** `source` is a local path, or a MediaInput for bytes elsewhere (see media-input.ts). */
export async function validateMedia(source: string | MediaInput, limits: MediaLimits): Promise<MediaInfo> {
  const input = typeof source === 'string' ? await fileInput(source) : source;
  const { size, location: file } = input;
  if (size === 0) throw new MediaError('empty_file', 'the file is empty');

  const head = await input.read(0, SNIFF_BYTES);
  const family = sniffContainer(head);
  if (!family) {
    throw new MediaError('not_a_video', `not a recognised video container (starts with ${Buffer.from(head.subarray(0, 8)).toString('hex')})`);
  }
  if (family === 'mp4') await checkMp4Boxes(input);

  let probed: ProbeResult;
  try {
    probed = await probe(file);
  } catch (error) {
    if (error instanceof ToolExitError) throw new MediaError('corrupt', `ffprobe cannot read the file: ${lastLines(error.stderr, 2)}`);
    throw error;
  }
  const video = primaryVideoStream(probed.streams);
  if (!video) throw new MediaError('no_video_stream', 'the file has no video stream');

  const declared = durationOf(probed, video);
  // A WebM from a browser's MediaRecorder (or any stream written to a pipe) has no
  // duration in its header: measure it from the packets instead (demux only).
  const durationSec = declared ?? (await measuredDuration(file));
  if (durationSec === undefined) throw new MediaError('corrupt', 'the file has no duration and no timed video packets');
  if (durationSec > limits.maxDurationSec) {
    throw new MediaError('too_long', `duration ${durationSec.toFixed(1)} s is over the limit of ${limits.maxDurationSec} s`);
  }

  const rotation = streamRotation(video);
  const coded = { width: video.width ?? 0, height: video.height ?? 0 };
  const display = rotation === 90 || rotation === 270 ? { width: coded.height, height: coded.width } : coded;
  const maxLong = limits.maxWidth ?? 3840;
  const maxShort = limits.maxHeight ?? 2160;
  if (Math.max(display.width, display.height) > maxLong || Math.min(display.width, display.height) > maxShort) {
    throw new MediaError('resolution_too_high', `resolution ${display.width}x${display.height} is over ${maxLong}x${maxShort}`);
  }

  await checkTail(file, durationSec, declared !== undefined);

  const audio = probed.streams.find((s) => s.codec_type === 'audio');
  const bitrate = Number(video.bit_rate);
  return {
    durationSec,
    sizeBytes: size,
    formatName: probed.format.format_name ?? family,
    video: {
      codec: video.codec_name ?? 'unknown',
      width: display.width,
      height: display.height,
      fps: parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate) ?? 0,
      ...(Number.isFinite(bitrate) && bitrate > 0 ? { bitrateKbps: Math.round(bitrate / 1000) } : {}),
      ...(rotation !== 0 ? { rotation } : {}),
    },
    ...(audio
      ? { audio: { codec: audio.codec_name ?? 'unknown', sampleRate: Number(audio.sample_rate ?? 0), channels: audio.channels ?? 0 } }
      : {}),
  };
}

async function checkMp4Boxes(input: MediaInput): Promise<void> {
  const boxes = await readTopLevelBoxes(input);
  if (boxes.overrun) {
    const { type, declared, available } = boxes.overrun;
    throw new MediaError('truncated', `the '${type}' box declares ${declared} bytes but only ${available} are present`);
  }
  const fragmented = boxes.types.includes('moof');
  if (boxes.types.includes('mdat') && !boxes.types.includes('moov') && !fragmented) {
    throw new MediaError('truncated', 'media data without a movie header (moov): the upload stopped before the end');
  }
}

function durationOf(probed: ProbeResult, video: ProbeStream): number | undefined {
  for (const candidate of [probed.format.duration, video.duration]) {
    const value = Number(candidate);
    if (candidate !== undefined && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * A container can declare a duration its data no longer reaches (Matroska writes it in
 * the header; a cut upload keeps it). Read the packets of the last stretch (demux only)
 * and decode the final seconds: either shortfall or decode errors mean truncation.
 */
async function checkTail(file: string, durationSec: number, declared: boolean): Promise<void> {
  // Two reads of the file side by side: each is mostly ffmpeg's ~0.1 s start-up, which overlaps.
  const [reach, decode] = await Promise.allSettled([
    declared ? checkPacketsReachDuration(file, durationSec) : Promise.resolve(),
    runTool('ffmpeg', [
      '-nostdin', '-v', 'error', '-ss', Math.max(0, durationSec - TAIL_DECODE_SEC).toFixed(3), '-i', file,
      '-map', '0:V:0', '-f', 'null', '-',
    ]),
  ]);
  if (reach.status === 'rejected') throw reach.reason;
  if (decode.status === 'rejected') throw decode.reason;
  const { exitCode, stderr } = decode.value;
  if (exitCode !== 0 || stderr.trim().length > 0) {
    throw new MediaError('truncated', `the last seconds do not decode: ${lastLines(stderr, 2) || `ffmpeg exited with ${exitCode}`}`);
  }
}

async function checkPacketsReachDuration(file: string, durationSec: number): Promise<void> {
  const from = Math.max(0, durationSec - 10);
  const packets = await runTool('ffprobe', [
    '-v', 'error', '-read_intervals', `${from.toFixed(3)}%`, '-select_streams', 'V:0',
    '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file,
  ]);
  let lastEnd = 0;
  for (const line of packets.stdout.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (pts !== undefined && Number.isFinite(pts)) lastEnd = Math.max(lastEnd, pts + (Number.isFinite(duration) ? (duration ?? 0) : 0));
  }
  const slack = Math.max(TAIL_SLACK_SEC, durationSec * 0.05);
  if (lastEnd < durationSec - slack) {
    throw new MediaError('truncated', `video data ends at ${lastEnd.toFixed(2)} s of a declared ${durationSec.toFixed(2)} s`);
  }
}

async function measuredDuration(file: string): Promise<number | undefined> {
  const packets = await listVideoPackets(file).catch(() => []);
  let first = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const p of packets) {
    first = Math.min(first, p.ptsSec);
    end = Math.max(end, p.ptsSec + (Number.isFinite(p.durationSec) ? p.durationSec : 0));
  }
  return packets.length > 0 && end > first ? end - first : undefined;
}
