/**
 * Every error code the chat core answers with (HTTP and, where the meaning is the same,
 * WebSocket error frames), its status and whether a retry can succeed. Shared codes
 * (validation_failed, invalid_cursor, unauthorized, payload_too_large…) come from
 * `platformErrors`.
 */
import { defineErrors } from '@twin/platform';

export const chatErrors = defineErrors({
  invalid_public_key: { status: 400, retryable: false, description: 'The device public key must be a raw 32-byte Ed25519 key in base64url.' },
  invalid_body: { status: 400, retryable: false, description: 'The message body is not valid base64url.' },
  direct_with_self: { status: 400, retryable: false, description: 'A direct conversation needs two different accounts.' },
  device_token_required: { status: 403, retryable: false, description: 'This route needs a device access token (from POST /v1/devices/:deviceId/tokens), not an account session token.' },
  invalid_link_code: { status: 403, retryable: false, description: 'The link code is unknown, expired, already used or minted for another account.' },
  not_a_member: { status: 403, retryable: false, description: 'The caller’s account is not a member of this conversation.' },
  not_an_admin: { status: 403, retryable: false, description: 'Only an admin of the group may do this.' },
  not_the_sender: { status: 403, retryable: false, description: 'Only the sender (or a group admin) may delete this message for everyone.' },
  not_your_device: { status: 403, retryable: false, description: 'A device can be removed only by its own account.' },
  device_revoked: { status: 401, retryable: false, description: 'The device has been removed; its tokens are refused.' },
  invalid_device_signature: { status: 401, retryable: false, description: 'The challenge nonce is unknown, expired or used, or the signature does not verify with the device key.' },
  device_not_found: { status: 404, retryable: false, description: 'No such device.' },
  account_not_found: { status: 404, retryable: false, description: 'No such account.' },
  conversation_not_found: { status: 404, retryable: false, description: 'No such conversation.' },
  member_not_found: { status: 404, retryable: false, description: 'The account is not a member of this conversation.' },
  message_not_found: { status: 404, retryable: false, description: 'No message with this seq in the conversation (never written, or expired by retention).' },
  device_limit: { status: 409, retryable: false, description: 'The account already has the maximum number of devices (CHAT_MAX_DEVICES); remove one first.' },
  group_full: { status: 409, retryable: false, description: 'The group would exceed CHAT_GROUP_MAX_MEMBERS members.' },
  not_a_group: { status: 409, retryable: false, description: 'Direct conversations have fixed members, no title and no admins.' },
  already_a_member: { status: 409, retryable: false, description: 'The account is already a member of this group.' },
  client_message_id_reused: { status: 409, retryable: false, description: 'This device already used the clientMessageId for a message in another conversation; pick a fresh one.' },
  message_not_deletable: { status: 409, retryable: false, description: 'System entries and tombstones cannot be deleted, and a message is deleted only once.' },
});

export type ChatErrorCode = keyof typeof chatErrors;
