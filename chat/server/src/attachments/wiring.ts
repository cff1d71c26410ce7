/**
 * Builds the attachment service and sweeper from the chat core's services and settings,
 * so the feature and the route registration each add one line.
 */
import type { ChatCoreServices } from '../chat-core.ts';
import { AttachmentService } from './service.ts';
import { AttachmentSweeper, attachmentKeepMs } from './sweeper.ts';

const keepFor = (core: ChatCoreServices) => attachmentKeepMs(core.settings.retention, core.settings.undeliveredMaxAgeMs);

export function attachmentServiceOf(core: ChatCoreServices): AttachmentService {
  return new AttachmentService({
    db: core.platform.sql.db,
    blob: core.platform.blob,
    ids: core.platform.ids,
    conversations: core.conversations,
    maxBytes: core.settings.attachmentMaxBytes,
    keepForMs: keepFor(core),
  });
}

/** Starts the periodic attachment expiry (worker roles), on the retention sweep's interval. */
export function startAttachmentSweeper(core: ChatCoreServices): AttachmentSweeper {
  const sweeper = new AttachmentSweeper({
    db: core.platform.sql.db,
    blob: core.platform.blob,
    keepForMs: keepFor(core),
    intervalMs: core.settings.retentionSweepIntervalMs,
    logger: core.platform.logger,
  });
  sweeper.start();
  return sweeper;
}
