/**
 * Every error code the video feature answers with, its status and whether a retry can
 * succeed. Shared codes (unauthorized, not_found, payload_too_large…) come from
 * `platformErrors`. Failure reasons of a video (`failed` status) are in video-status.ts.
 */
import { defineErrors } from '@twin/platform';

export const videoErrors = defineErrors({
  channel_not_found: { status: 404, retryable: false, description: 'No such channel (for an upload: none among the caller’s channels).' },
  video_not_found: { status: 404, retryable: false, description: 'No such video among the caller’s videos.' },
  invalid_upload_metadata: { status: 400, retryable: false, description: 'Upload-Metadata must carry channelId, title (1–200 characters) and filename.' },
  invalid_upload_request: { status: 400, retryable: false, description: 'The tus request is malformed (headers missing or invalid); the message says which.' },
  offset_mismatch: { status: 409, retryable: false, description: 'Upload-Offset differs from the bytes the server holds; ask with HEAD and resume from there.' },
  quota_exceeded: { status: 413, retryable: false, description: 'The upload would take the account over VIDEO_ACCOUNT_QUOTA_BYTES.' },
  video_not_ready: { status: 409, retryable: true, description: 'The video has not finished processing (it has no playlist yet); retry once it is ready.' },
  invalid_play_token: { status: 400, retryable: false, description: 'The view beacon’s playToken was not issued by POST …/views/start for this video, or is over 12 hours old.' },
  invalid_language: { status: 400, retryable: false, description: 'The caption language must be a BCP 47 tag such as en, pt-BR or zh-Hant.' },
  caption_not_found: { status: 404, retryable: false, description: 'The video has no caption in this language.' },
  caption_bad_encoding: { status: 400, retryable: false, description: 'A WebVTT file must be UTF-8 text; the caption has bytes that are not.' },
  caption_bad_header: { status: 400, retryable: false, description: 'A WebVTT file must start with WEBVTT (after an optional byte order mark), followed by a space, a tab or a line end.' },
  caption_bad_timing: { status: 400, retryable: false, description: 'A cue timing line is malformed (hh:mm:ss.ttt --> hh:mm:ss.ttt, minutes and seconds below 60), ends before it starts, or starts before the previous cue; details give the line.' },
  caption_no_cues: { status: 400, retryable: false, description: 'The WebVTT file has no cue.' },
  channel_not_owned: { status: 403, retryable: false, description: 'The channel belongs to another account; only its owner may change or delete it.' },
  video_not_owned: { status: 403, retryable: false, description: 'The video is visible to the caller but belongs to another account; only its owner may change or delete it.' },
  invalid_search_query: { status: 400, retryable: false, description: 'The search needs at least one word (letters or digits) in q, and ranges whose lower bound is not above the upper one.' },
  playback_token_required: { status: 403, retryable: false, description: 'An unlisted video plays only through the signed URL its detail gives (/v/{id}/{expires}/{sig}/…).' },
  playback_token_invalid: { status: 403, retryable: false, description: 'The playback URL’s signature does not match this video (tampered, signed for another video, or with another secret).' },
  playback_token_expired: { status: 403, retryable: false, description: 'The playback URL has expired; read the video’s detail again for a fresh one.' },
  video_file_not_found: { status: 404, retryable: false, description: 'The video has no such file: its playlists, segments, poster and storyboard are served under /v/{id}/.' },
  range_not_satisfiable: { status: 416, retryable: false, description: 'The Range starts at or after the end of the file; Content-Range gives its size (bytes */size).' },
});

export type VideoErrorCode = keyof typeof videoErrors;
