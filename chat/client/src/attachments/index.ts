/**
 * Encrypted attachments for the SDK: encrypt and upload a file as a stream, get a
 * pointer to send inside the MLS message, and download, verify and decrypt it again.
 */
export { AttachmentClient, type AttachmentClientOptions, type AttachmentSource, type UploadOptions } from './attachment-client.ts';
export { decryptStream, encryptStream, type CiphertextExpectation } from './cipher-streams.ts';
export { AttachmentIntegrityError, type AttachmentIntegrityReason } from './errors.ts';
export { ciphertextSize, createHeader, DEFAULT_CHUNK_SIZE } from './format.ts';
export { parsePointer, type AttachmentPointer } from './pointer.ts';
export { ATTACHMENT_KIND, decodeAttachmentBody, encodeAttachmentBody, type AttachmentMessage } from './attachment-message.ts';
