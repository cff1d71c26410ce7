/**
 * Encrypted attachments as the server sees them: opaque ciphertext bound to one
 * conversation. An upload is accepted only from a current member of that conversation,
 * streams through the size limit and a SHA-256 into the blob store (never whole in
 * memory), and becomes readable once stored. A download is allowed only to a current
 * member of the conversation; anyone else gets the same 404 as for an id that never
 * existed, so ids leak nothing. The key and the plaintext never reach the server: the
 * client encrypts before upload and sends the key inside the MLS-encrypted message.
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream';
import { AppError, type SnowflakeGenerator } from '@twin/platform';
import type { BlobInfo, BlobStore } from '@twin/platform/blob';
import type { Kysely } from 'kysely';
import type { ConversationService } from '../conversations/service.ts';
import type { DeviceIdentity } from '../core.ts';
import { chatErrors } from '../errors.ts';
import { isStorableId } from '../http-schemas.ts';
import { CiphertextMeter, tooLarge } from './ciphertext-meter.ts';
import * as store from './store.ts';

export interface AttachmentView {
  readonly id: string;
  readonly conversationId: string;
  /** Ciphertext bytes. */
  readonly size: number;
  /** SHA-256 of the ciphertext as stored, base64url. */
  readonly sha256: string;
  readonly storedAt: number;
  /** When retention removes it (the sweeper runs periodically, so shortly after). */
  readonly expiresAt: number;
}

export interface AttachmentServiceDeps {
  db: Kysely<any>;
  blob: BlobStore;
  ids: SnowflakeGenerator;
  conversations: Pick<ConversationService, 'membership'>;
  maxBytes: number;
  /** How long a stored attachment is kept (see `attachmentKeepMs`). */
  keepForMs: number;
  now?: () => number;
}

/** Where an attachment's ciphertext lives in the blob store. */
export const attachmentBlobKey = (id: string) => `chat/attachments/${id}`;

export class AttachmentService {
  readonly #deps: AttachmentServiceDeps;
  readonly #db: Kysely<store.AttachmentTables>;
  readonly #now: () => number;

  constructor(deps: AttachmentServiceDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#now = deps.now ?? Date.now;
  }

  get maxBytes(): number {
    return this.#deps.maxBytes;
  }

  /**
   * Streams `body` into the blob store as a new attachment of the conversation. Refuses
   * before reading a byte when the caller is not a member (404/403, as for sending) or
   * `declaredBytes` (Content-Length) is over the limit; counts while streaming otherwise.
   * On any failure nothing stays behind: no blob, no row.
   */
  async upload(uploader: DeviceIdentity, conversationId: string, body: Readable, declaredBytes: number | undefined): Promise<AttachmentView> {
    await this.#deps.conversations.membership(this.#db as Kysely<any>, uploader, conversationId);
    if (declaredBytes !== undefined && declaredBytes > this.#deps.maxBytes) throw tooLarge(this.#deps.maxBytes);
    if (declaredBytes === 0) throw new AppError(chatErrors.attachment_empty);
    const id = this.#deps.ids.next();
    await store.insertUploading(this.#db, {
      id,
      conversation_id: conversationId,
      uploader_account_id: uploader.accountId,
      uploader_device_id: uploader.deviceId,
      started_at: this.#now(),
    });
    const meter = new CiphertextMeter(this.#deps.maxBytes);
    // `pipe` alone would not tell the meter that the client went away mid-upload; and
    // `pipeline` would destroy the request (and its socket) on a 413, so the client
    // would never read the answer.
    finished(body, { writable: false }, (error) => {
      if (error) meter.destroy(error);
    });
    body.pipe(meter);
    try {
      const info = await this.#deps.blob.put(attachmentBlobKey(id), meter, { contentType: 'application/octet-stream' });
      const storedAt = this.#now();
      if (!(await store.markStored(this.#db, id, info.size, meter.sha256, storedAt))) throw new AppError(chatErrors.attachment_not_found, 'The upload took so long that it was swept as abandoned; upload again.');
      return this.#view({ id, conversationId, size: info.size, sha256: meter.sha256, storedAt });
    } catch (error) {
      body.unpipe(meter);
      await this.#deps.blob.delete(attachmentBlobKey(id)).catch(() => undefined);
      await store.deleteRows(this.#db, [id]);
      throw error;
    }
  }

  /**
   * Opens the ciphertext for a current member of the attachment's conversation. Unknown
   * ids, other callers' conversations, unfinished uploads and expired ones all answer
   * 404 `attachment_not_found`.
   */
  async open(reader: DeviceIdentity, id: string): Promise<{ view: AttachmentView; info: BlobInfo; body: Readable }> {
    const row = isStorableId(id) ? await store.findReadable(this.#db, id, reader.accountId) : undefined;
    if (!row) throw new AppError(chatErrors.attachment_not_found);
    let read;
    try {
      read = await this.#deps.blob.get(attachmentBlobKey(id));
    } catch (error) {
      // Swept between the row lookup and the read.
      if ((error as { code?: string }).code === 'blob_not_found') throw new AppError(chatErrors.attachment_not_found);
      throw error;
    }
    const view = this.#view({ id: String(row.id), conversationId: String(row.conversation_id), size: Number(row.size), sha256: row.sha256!, storedAt: Number(row.stored_at) });
    return { view, info: read.info, body: read.body };
  }

  #view(fields: Omit<AttachmentView, 'expiresAt'>): AttachmentView {
    return { ...fields, expiresAt: fields.storedAt + this.#deps.keepForMs };
  }
}
