/**
 * SQL for attachment metadata. A row is written `uploading` before the first ciphertext
 * byte goes to the blob store and turned `stored` once the blob is whole, so a crash in
 * between leaves a row the sweeper finds (and removes with its blob) rather than an
 * orphan blob nobody knows about. The server keeps only what it saw: the conversation
 * the upload is bound to, who uploaded, the ciphertext's size and SHA-256 — never a key,
 * a file name or a media type (those travel inside the MLS message).
 */
import type { Kysely } from 'kysely';

export interface AttachmentTables {
  chat_attachment: {
    id: string;
    conversation_id: string;
    uploader_account_id: string;
    uploader_device_id: string;
    state: 'uploading' | 'stored';
    /** Ciphertext bytes; null while uploading. */
    size: number | null;
    /** SHA-256 of the ciphertext as the server received it (base64url); null while uploading. */
    sha256: string | null;
    started_at: number;
    /** When the blob became whole; retention counts from here. Null while uploading. */
    stored_at: number | null;
  };
  /** Read for the membership check only (owned by the conversations module). */
  chat_member: { conversation_id: string; account_id: string };
}

type Db = Kysely<AttachmentTables>;
export type AttachmentRow = AttachmentTables['chat_attachment'];

export async function insertUploading(db: Db, row: Pick<AttachmentRow, 'id' | 'conversation_id' | 'uploader_account_id' | 'uploader_device_id' | 'started_at'>): Promise<void> {
  await db
    .insertInto('chat_attachment')
    .values({ ...row, state: 'uploading', size: null, sha256: null, stored_at: null })
    .execute();
}

/** False when the row is gone (swept as abandoned while the upload ran). */
export async function markStored(db: Db, id: string, size: number, sha256: string, storedAt: number): Promise<boolean> {
  const result = await db
    .updateTable('chat_attachment')
    .set({ state: 'stored', size, sha256, stored_at: storedAt })
    .where('id', '=', id)
    .where('state', '=', 'uploading')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The stored attachment when `accountId` is a current member of its conversation; else undefined (one query). */
export function findReadable(db: Db, id: string, accountId: string): Promise<AttachmentRow | undefined> {
  return db
    .selectFrom('chat_attachment as a')
    .innerJoin('chat_member as m', (join) => join.onRef('m.conversation_id', '=', 'a.conversation_id').on('m.account_id', '=', accountId))
    .selectAll('a')
    .where('a.id', '=', id)
    .where('a.state', '=', 'stored')
    .executeTakeFirst();
}

/** Ids of stored attachments past retention and uploads abandoned long ago, oldest first. */
export async function expired(db: Db, cutoffs: { storedBefore: number; startedBefore: number }, limit: number): Promise<string[]> {
  const [stored, abandoned] = await Promise.all([
    db.selectFrom('chat_attachment').select('id').where('state', '=', 'stored').where('stored_at', '<', cutoffs.storedBefore).orderBy('stored_at').limit(limit).execute(),
    db.selectFrom('chat_attachment').select('id').where('state', '=', 'uploading').where('started_at', '<', cutoffs.startedBefore).orderBy('started_at').limit(limit).execute(),
  ]);
  return [...stored, ...abandoned].map((r) => String(r.id));
}

export async function deleteRows(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('chat_attachment').where('id', 'in', ids).execute();
}
