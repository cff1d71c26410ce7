/**
 * Idempotency-Key support for POST routes.
 */
export { idempotencyMigrations, type IdempotencyTables } from './migrations.ts';
export { idempotencyPlugin } from './plugin.ts';
export { IdempotencyStore } from './store.ts';
