/**
 * Accounts and sessions, shared by chat and video.
 */
export { handleKey, isValidHandle } from './handles.ts';
export { accountMigrations, type AccountTables } from './migrations.ts';
export { accountRoutes } from './routes.ts';
export { AccountService, type SessionTokens } from './service.ts';
export { AccountStore } from './store.ts';
