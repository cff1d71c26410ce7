/**
 * The one look the server takes inside a `kind: 'mls'` message sent through the ordinary
 * message path: its framing (RFC 9420 §6.3.1). It must be a PrivateMessage of content type
 * application for this conversation's group. Its sender data and ciphertext stay opaque.
 * Handshakes (commits, proposals) are refused here because they must pass the commit gate
 * (`POST /v1/conversations/:id/mls/commits`): otherwise a member could slip a commit into
 * the log past the roster checks and the one-commit-per-epoch rule.
 */
import { mlsGroupId } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import { chatErrors } from '../errors.ts';
import { decodeMessage, equalBytes } from './mls-codec.ts';

/** Undefined when `body` is an application PrivateMessage of the conversation's group; the error to answer otherwise. */
export function checkApplicationFraming(body: Uint8Array, conversationId: string): AppError | undefined {
  const message = decodeMessage(body);
  if (!message) return new AppError(chatErrors.mls_invalid_message, 'A message of kind mls must be one MLSMessage (RFC 9420 §6, version mls10).');
  if (message.wireformat !== 'mls_private_message' || message.privateMessage.contentType !== 'application') {
    return new AppError(chatErrors.mls_handshake_not_here, 'Only application PrivateMessages travel as kind mls messages; commits go to POST /v1/conversations/:id/mls/commits.');
  }
  if (!equalBytes(message.privateMessage.groupId, mlsGroupId(conversationId))) {
    return new AppError(chatErrors.mls_invalid_message, 'The PrivateMessage belongs to another group than this conversation’s.');
  }
  return undefined;
}
