/**
 * @module media
 * The ffmpeg/ffprobe module of video ingest: validation of uploads, the rendition
 * ladder, the CMAF HLS transcode, poster and storyboard, and parallel (chunked) mode.
 * It only runs ffmpeg/ffprobe on local files (no HTTP, SQL, bus or platform imports),
 * so a transcoder can run it as its own process. Modelled on PeerTube's packages/ffmpeg.
 */
export { MediaError, type MediaFailureReason } from './media-error.ts';
export { sniffContainer } from './sniff.ts';
export { validateMedia, type MediaInfo, type MediaLimits } from './validate.ts';
export { planLadder, type Rung } from './ladder.ts';
export type { TranscodeProgress } from './progress.ts';
export type { HlsLadderResult, LadderRungOutput } from './ladder-output.ts';
export { hlsLadderArgs, transcodeHlsLadder, type HlsLadderOptions, type TranscodeHlsLadderOptions } from './hls-ladder.ts';
export { renderPoster, type PosterOptions } from './poster.ts';
export { renderStoryboard, type Storyboard, type StoryboardOptions } from './storyboard.ts';
