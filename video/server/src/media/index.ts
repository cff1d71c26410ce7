/**
 * @module media
 * The ffmpeg/ffprobe module of video ingest: validation of uploads, the rendition
 * ladder, the CMAF HLS transcode, poster and storyboard, and parallel (chunked) mode.
 * It only runs ffmpeg/ffprobe on local files (no HTTP, SQL, bus or platform imports),
 * so a transcoder can run it as its own process. Modelled on PeerTube's packages/ffmpeg.
 *
 * Single-process mode: one ffmpeg, one decode, a split filter feeding one libx264 per
 * rung, each rung its own fMP4 HLS rendition with muxed AAC (outDir/<rung>/init.mp4,
 * seg-NNNNN.m4s, playlist.m3u8) and a master written by us (outDir/master.m3u8).
 *
 * Parallel mode: planChunks cuts at source keyframes; encodeVideoChunk encodes one chunk,
 * video only, for every rung into chunkDir/<rung>/chunk.mp4 (its timeline starts at 0);
 * encodeAudio encodes the whole audio once into audioDir/audio.mp4; stitchHls remuxes
 * (no re-encode) the chunks end to end with ffmpeg's concat demuxer plus the audio into
 * the same per-rung fMP4 renditions and master as single-process mode. So the output
 * has one init segment and one continuous timeline per rung (no EXT-X-DISCONTINUITY,
 * no separate audio group) and consumers cannot tell the modes apart; the price is a
 * shorter segment at each chunk end, since keyframes restart at each chunk's start.
 * parallel.test.ts checks continuity with ffprobe: every frame once, monotonic dts,
 * 1/fps between consecutive pts, span = duration, keyframes aligned across rungs.
 */
export { MediaError, type MediaFailureReason } from './media-error.ts';
export { sniffContainer, type ContainerFamily } from './sniff.ts';
export { validateMedia, type MediaInfo, type MediaLimits } from './validate.ts';
export { fileInput, type MediaInput } from './media-input.ts';
export { planLadder, type Rung } from './ladder.ts';
export type { TranscodeProgress } from './progress.ts';
export type { HlsLadderResult, LadderRungOutput } from './ladder-output.ts';
export { hlsLadderArgs, transcodeHlsLadder, type HlsLadderOptions, type TranscodeHlsLadderOptions } from './hls-ladder.ts';
export { posterTimeSec, renderPoster, type PosterOptions } from './poster.ts';
export { planStoryboard, renderStoryboard, type Storyboard, type StoryboardGrid, type StoryboardOptions } from './storyboard.ts';
export { planChunks, type Chunk } from './chunks.ts';
export { encodeAudio, encodeVideoChunk, videoChunkArgs, type EncodeAudioOptions, type EncodeVideoChunkOptions } from './chunk-encode.ts';
export { stitchHls, type StitchHlsOptions } from './stitch.ts';
