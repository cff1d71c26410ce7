/**
 * The one failure type of the media module. Its `reason` is a closed set the video
 * service maps onto a video's `failed` reason code; the message is human detail (what
 * ffprobe said, which limit was exceeded) for logs and the uploader.
 */
export type MediaFailureReason =
  | 'empty_file'
  | 'not_a_video'
  | 'corrupt'
  | 'truncated'
  | 'no_video_stream'
  | 'too_long'
  | 'resolution_too_high';

export class MediaError extends Error {
  readonly reason: MediaFailureReason;
  constructor(reason: MediaFailureReason, message: string) {
    super(message);
    this.name = 'MediaError';
    this.reason = reason;
  }
}
