/**
 * Brings the index entries of some videos in line with their rows: a public, ready video
 * is (re)indexed, any other — private, unlisted, processing, deleted — is removed. Both
 * the event consumer and the reindex go through here, and both read the truth rather
 * than an event's payload, so a late or repeated event cannot undo a newer change.
 *
 * Run it inside a transaction. Two writers must not interleave "read row, write entry"
 * with a metadata update in between, or an older version could be written last:
 * - PostgreSQL: the rows are read `FOR SHARE`, so an update waits for this transaction,
 *   and its own event (published after it commits) is handled after.
 * - SQLite: the entries are deleted first, which takes the database's single write lock
 *   before anything is read (a reindex in another process would otherwise read a snapshot
 *   a writer could overtake).
 */
import type { Kysely } from 'kysely';
import type { VideoDb } from '../db.ts';
import type { ChannelId, VideoId } from '../ids.ts';
import type { SearchDocument, SearchIndex } from './interface.ts';

export async function syncVideos(db: Kysely<any>, index: SearchIndex, ids: readonly VideoId[]): Promise<{ indexed: number; removed: number }> {
  if (ids.length === 0) return { indexed: 0, removed: 0 };
  if (!index.capabilities.lockRowsOnRead) await index.remove(db, ids);
  let query = (db as VideoDb)
    .selectFrom('video')
    .select(['id', 'channel_id', 'title', 'tags', 'description', 'duration_sec', 'created_at', 'visibility', 'status'])
    .where('id', 'in', [...ids]);
  if (index.capabilities.lockRowsOnRead) query = query.forShare();
  const rows = await query.execute();
  const documents: SearchDocument[] = rows
    .filter((r) => r.visibility === 'public' && r.status === 'ready')
    .map((r) => ({
      id: String(r.id) as VideoId,
      channelId: String(r.channel_id) as ChannelId,
      title: r.title,
      tags: JSON.parse(r.tags) as string[],
      description: r.description,
      durationSec: Number(r.duration_sec ?? 0),
      createdAt: Number(r.created_at),
    }));
  const kept = new Set<string>(documents.map((d) => d.id));
  const removed = [...new Set(ids)].filter((id) => !kept.has(id));
  if (index.capabilities.lockRowsOnRead) await index.remove(db, removed);
  await index.upsert(db, documents);
  return { indexed: documents.length, removed: removed.length };
}
