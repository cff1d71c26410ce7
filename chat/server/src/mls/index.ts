/**
 * The MLS Delivery Service (RFC 9420 §3): key directory, commit gate and Welcome inbox,
 * built from the chat core's services, and its routes and migration.
 */
import type { ChatCoreServices } from '../chat-core.ts';
import { CommitGate } from './commit-gate.ts';
import { KeyDirectory } from './key-directory.ts';
import { WelcomeInbox } from './welcome-inbox.ts';

export { mlsRoutes, type MlsRouteDeps } from './routes.ts';
export { mlsMigration, type MlsTables } from './migrations.ts';
export { checkApplicationFraming } from './application-framing.ts';

export interface MlsServices {
  readonly keys: KeyDirectory;
  readonly gate: CommitGate;
  readonly welcomes: WelcomeInbox;
}

export function buildMls(core: ChatCoreServices): MlsServices {
  const { platform } = core;
  const db = platform.sql.db;
  return {
    keys: new KeyDirectory({
      db,
      ids: platform.ids,
      skipLocked: platform.sql.capabilities.supportsSkipLocked,
      shareAConversation: (a, b) => core.conversations.shareAConversation(a, b),
    }),
    gate: new CommitGate({
      db,
      ids: platform.ids,
      outbox: core.outbox,
      log: core.log,
      conversations: core.conversations,
      isUniqueViolation: (error) => platform.sql.isUniqueViolation(error),
    }),
    welcomes: new WelcomeInbox({ db, cursors: platform.cursors }),
  };
}
