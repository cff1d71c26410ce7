/**
 * The video feature's typed view of the platform database, and the conversion of 64-bit
 * columns (read back as number or string depending on the engine) to id strings.
 */
import type { Kysely } from 'kysely';
import type { Platform } from '@twin/platform';
import type { VideoTables } from './migrations.ts';

export type VideoDb = Kysely<VideoTables>;

export function videoDb(platform: Platform): VideoDb {
  return platform.sql.db as unknown as VideoDb;
}
