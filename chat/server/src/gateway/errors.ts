/**
 * The error codes the real-time side answers with in WebSocket `error` frames and in its
 * own HTTP routes (push subscriptions, presence). Codes that mean the same as a platform
 * or core code reuse that code's spelling (validation_failed, payload_too_large,
 * unauthorized, not_a_member…), so an SDK handles one vocabulary for HTTP and WebSocket.
 */
import { defineErrors } from '@twin/platform';

export const realtimeErrors = defineErrors({
  protocol_violation: { status: 400, retryable: false, description: 'The frame is not a JSON object with a known `type`, or breaks the connection state machine (e.g. `send` before `auth`); the socket closes with 1008.' },
  upgrade_required: { status: 426, retryable: false, description: 'The chat gateway speaks WebSocket only: upgrade with subprotocol twin-chat.v1.' },
  subprotocol_required: { status: 400, retryable: false, description: 'The WebSocket upgrade must offer the subprotocol twin-chat.v1.' },
  auth_timeout: { status: 401, retryable: true, description: 'No `auth` frame arrived within the auth timeout; the socket closes with 4001.' },
  too_many_pending_sends: { status: 429, retryable: true, description: 'The socket has too many `send` frames awaiting their result; wait for send-results before sending more.' },
  invalid_push_subscription: { status: 400, retryable: false, description: 'The push subscription endpoint must be an https URL (http only when CHAT_PUSH_ALLOW_HTTP is set) and its keys a P-256 public key and a 16-byte auth secret.' },
  presence_not_shared: { status: 403, retryable: false, description: 'Presence is visible only for accounts that share a conversation with the caller.' },
});
