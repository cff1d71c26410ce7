/**
 * Runs the registered migrations with Kysely's Migrator. Each feature names its
 * migrations `<feature>/<nnnn>_<what>`; features land at different times, so a new
 * feature's migrations may sort before already-applied ones (`allowUnorderedMigrations`).
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

export async function runMigrations(db: Kysely<any>, migrations: Record<string, Migration>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message}`, { cause: error });
  }
}
