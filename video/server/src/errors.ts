/**
 * Every error code the video feature answers with, its status and whether a retry can
 * succeed. Shared codes (unauthorized, not_found, payload_too_large…) come from
 * `platformErrors`. Failure reasons of a video (`failed` status) are in video-status.ts.
 */
import { defineErrors } from '@twin/platform';

export const videoErrors = defineErrors({
  channel_not_found: { status: 404, retryable: false, description: 'No such channel among the caller’s channels.' },
  video_not_found: { status: 404, retryable: false, description: 'No such video among the caller’s videos.' },
  invalid_upload_metadata: { status: 400, retryable: false, description: 'Upload-Metadata must carry channelId, title (1–200 characters) and filename.' },
  invalid_upload_request: { status: 400, retryable: false, description: 'The tus request is malformed (headers missing or invalid); the message says which.' },
  offset_mismatch: { status: 409, retryable: false, description: 'Upload-Offset differs from the bytes the server holds; ask with HEAD and resume from there.' },
  quota_exceeded: { status: 413, retryable: false, description: 'The upload would take the account over VIDEO_ACCOUNT_QUOTA_BYTES.' },
});

export type VideoErrorCode = keyof typeof videoErrors;
