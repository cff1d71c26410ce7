/**
 * Encrypted attachments: upload and download of ciphertext bound to a conversation
 * (routes, service, SQL metadata) and the sweeper that expires them with retention.
 */
export { attachmentRoutes } from './routes.ts';
export { AttachmentService, attachmentBlobKey, type AttachmentView } from './service.ts';
export { AttachmentSweeper, attachmentKeepMs } from './sweeper.ts';
export type { AttachmentTables } from './store.ts';
export { attachmentServiceOf, startAttachmentSweeper } from './wiring.ts';
