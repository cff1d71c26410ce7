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
  attachment_not_found: { status: 404, retryable: false, description: 'No attachment with this id that the caller may read: never uploaded, not finished, expired by retention, or of a conversation the caller is not a member of (the answer is the same, so ids leak nothing).' },
  attachment_empty: { status: 400, retryable: false, description: 'An attachment upload needs a non-empty body: the ciphertext (even an empty file encrypts to a header and a tag).' },
  device_limit: { status: 409, retryable: false, description: 'The account already has the maximum number of devices (CHAT_MAX_DEVICES); remove one first.' },
  group_full: { status: 409, retryable: false, description: 'The group would exceed CHAT_GROUP_MAX_MEMBERS members.' },
  not_a_group: { status: 409, retryable: false, description: 'Direct conversations have fixed members, no title and no admins.' },
  already_a_member: { status: 409, retryable: false, description: 'The account is already a member of this group.' },
  client_message_id_reused: { status: 409, retryable: false, description: 'This device already used the clientMessageId for a message in another conversation; pick a fresh one.' },
  message_not_deletable: { status: 409, retryable: false, description: 'System entries and tombstones cannot be deleted, and a message is deleted only once.' },
  // MLS Delivery Service (mls/): key directory, commit gate, Welcome inbox.
  mls_invalid_message: { status: 400, retryable: false, description: 'Not one well-formed MLSMessage of the expected wire format for this conversation’s group (RFC 9420 §6).' },
  mls_invalid_key_package: { status: 400, retryable: false, description: 'The key package does not verify: cipher suite, KeyPackage or LeafNode signature, lifetime, capabilities, or an init key equal to the leaf key.' },
  mls_bad_signature: { status: 400, retryable: false, description: 'The signature does not verify with the sender leaf’s key in the group’s current state: the message was altered or built on another state.' },
  mls_invalid_commit: { status: 400, retryable: false, description: 'The commit breaks a rule of RFC 9420 the Delivery Service checks (unknown leaf, invalid proposals, a missing or invalid update path).' },
  mls_unsupported: { status: 400, retryable: false, description: 'Only commits by members with add, remove and update proposals by value are accepted: no standalone or referenced proposals, external commits, PSK, re-init or extension changes.' },
  mls_handshake_not_here: { status: 400, retryable: false, description: 'A kind mls message must be an application PrivateMessage; commits go through POST /v1/conversations/:id/mls/commits.' },
  mls_welcome_mismatch: { status: 400, retryable: false, description: 'The Welcome must name exactly the key packages the commit adds, and come with every commit that adds any.' },
  mls_identity_mismatch: { status: 403, retryable: false, description: 'An MLS leaf must carry the registered identity key of the device its Basic credential (the device id) names, and a device uploads and commits only as itself.' },
  mls_not_your_devices: { status: 403, retryable: false, description: 'Only a member’s own devices may add or remove its devices in the group (leaves of removed devices excepted).' },
  mls_device_not_member: { status: 403, retryable: false, description: 'A commit may add only active devices of current members of the conversation.' },
  no_shared_conversation: { status: 403, retryable: false, description: 'An account’s key packages may be claimed only by its own devices and by members of a conversation it is in.' },
  mls_group_not_found: { status: 404, retryable: false, description: 'The conversation has no MLS group yet: register one with POST /v1/conversations/:id/mls/group.' },
  welcome_not_found: { status: 404, retryable: false, description: 'No pending Welcome with this id for this device.' },
  stale_epoch: { status: 409, retryable: false, description: 'The group is no longer at the commit’s epoch (another commit took it): process the log up to the current epoch (in details), re-apply the change there and send a new commit.' },
  mls_group_exists: { status: 409, retryable: false, description: 'The conversation already has an MLS group.' },
  mls_incomplete_removal: { status: 409, retryable: false, description: 'A commit removing an account that is no longer a member must remove every leaf of it.' },
  too_many_key_packages: { status: 409, retryable: false, description: 'The device would hold more unclaimed key packages than the server keeps (MAX_STORED_KEY_PACKAGES); upload again when the count drops.' },
});

export type ChatErrorCode = keyof typeof chatErrors;
