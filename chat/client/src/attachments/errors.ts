/**
 * Why an attachment could not be read back: the ciphertext is not what the sender
 * uploaded (a byte changed, chunks reordered, dropped, truncated or appended, the digest
 * or size differs from the pointer) or the upload reached the server altered. Apps show
 * "the file is damaged" and never the partial plaintext of a failed download.
 */
export type AttachmentIntegrityReason = 'bad_header' | 'chunk_authentication' | 'truncated' | 'size_mismatch' | 'digest_mismatch' | 'upload_digest_mismatch';

export class AttachmentIntegrityError extends Error {
  readonly code = 'attachment_corrupt';
  readonly reason: AttachmentIntegrityReason;

  constructor(reason: AttachmentIntegrityReason, message: string) {
    super(`attachment corrupt (${reason}): ${message}`);
    this.name = 'AttachmentIntegrityError';
    this.reason = reason;
  }
}
