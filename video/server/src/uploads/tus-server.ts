/**
 * The tus 1.0 server (creation, creation-with-upload, termination, expiration) behind
 * `/v1/uploads`. Clients address an upload by its video id (`/v1/uploads/<videoId>`);
 * inside tus its id is the source's blob key (upload-ids.ts), so the datastore, which
 * follows the blob seam (upload-store.ts), writes the bytes where they stay. Creating an
 * upload creates the video row (`uploading`) after checking the channel, the size limit
 * and the account's quota. Every request on an existing upload is checked against its
 * owner (another account → 404, as if it did not exist). The datastore keeps its state
 * outside the process, so an upload resumes on a restarted (or, on S3, another) server.
 */
import { Server } from '@tus/server';
import { platformErrors, type ErrorSpec } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import type { AccountId, VideoId } from '../ids.ts';
import type { ChannelService } from '../channels/service.ts';
import { accountUsedBytes, findVideo, insertVideo } from '../videos/store.ts';
import { completeUpload, type CompletionDeps } from './completion.ts';
import { sourceKey, uploadOfPathSegment, videoOfUpload } from './upload-ids.ts';
import { parseUploadMetadata } from './upload-metadata.ts';
import { createUploadStore, type UploadStore } from './upload-store.ts';

/**
 * The account of each request, set by the Fastify route from the verified access token
 * on the web Request it hands tus-node-server, which passes that Request to the hooks.
 */
export const requestAccounts = new WeakMap<object, AccountId>();

export interface TusDeps extends CompletionDeps {
  channels: ChannelService;
  maxBytes: number;
  quotaBytes: number;
  expiryMs: number;
}

/** A tus hook error in the platform's envelope (tus-node-server sends `body` as is). */
function failure(spec: ErrorSpec, message?: string) {
  return { status_code: spec.status, body: JSON.stringify({ error: { code: spec.code, message: message ?? spec.description, retryable: spec.retryable } }) };
}

export function createTusServer(deps: TusDeps): { server: Server; store: UploadStore } {
  const { platform } = deps;
  const db = videoDb(platform);
  const store = createUploadStore(platform, deps.expiryMs);
  /** Uploads refused by validation whose bytes go once tus has answered. */
  const refused = new Set<string>();
  const accountOf = (req: object) => (requestAccounts.get(req) ?? '') as AccountId;

  const server = new Server({
    path: '/v1/uploads',
    datastore: store.datastore,
    maxSize: deps.maxBytes,
    namingFunction: () => sourceKey(platform.ids.next() as VideoId),
    // Location `/v1/uploads/<videoId>` (relative), and back from the URL's last segment.
    generateUrl: (_req, { path, id }) => `${path}/${videoOfUpload(id) ?? ''}`,
    getFileIdFromRequest: (_req, lastPath) => uploadOfPathSegment(lastPath),
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const videoId = videoOfUpload(uploadId);
      const video = videoId ? await findVideo(db, videoId).catch(() => undefined) : undefined;
      if (!video || video.accountId !== accountOf(req)) throw failure(platformErrors.not_found, 'No such upload.');
    },
    async onUploadCreate(req, upload) {
      if (upload.sizeIsDeferred) throw failure(platformErrors.validation_failed, 'Upload-Length is required (deferred length is not supported).');
      const meta = parseUploadMetadata(upload.metadata);
      if (typeof meta === 'string') throw failure(videoErrors.invalid_upload_metadata, meta);
      const accountId = accountOf(req);
      const size = upload.size ?? 0;
      try {
        await deps.channels.getOwned(accountId, meta.channelId);
      } catch {
        throw failure(videoErrors.channel_not_found);
      }
      // A check then an insert: two concurrent creations may both pass at the edge; the overshoot is one upload at most per request in flight.
      if ((await accountUsedBytes(db, accountId)) + size > deps.quotaBytes) throw failure(videoErrors.quota_exceeded);
      await insertVideo(db, { id: videoOfUpload(upload.id)!, accountId, sizeBytes: size, ...meta });
      return { metadata: upload.metadata };
    },
    async onUploadFinish(_req, upload) {
      const videoId = videoOfUpload(upload.id)!;
      try {
        if (!(await completeUpload(deps, videoId))) refused.add(upload.id);
      } catch (error) {
        // The bytes stay as the source; the upload can be completed again by the sweeper or support. The client got them all.
        platform.logger.error({ err: error, videoId }, 'upload completion failed');
      }
      return {};
    },
    onResponseError(_req, error) {
      if ('status_code' in error && error.body.startsWith('{')) return undefined;
      const status = 'status_code' in error ? error.status_code : 500;
      const message = 'body' in error ? String(error.body).trim() : 'internal error';
      // tus-node-server's own refusals (wrong offset, size exceeded, missing headers) in our envelope.
      const spec =
        status === 404 ? platformErrors.not_found : status === 409 ? videoErrors.offset_mismatch : status === 413 ? platformErrors.payload_too_large : status >= 500 ? platformErrors.internal : videoErrors.invalid_upload_request;
      return { status_code: status, body: JSON.stringify({ error: { code: spec.code, message, retryable: spec.retryable } }) };
    },
  });
  // Once the response is out (tus reads the upload while answering): tus's record of the
  // upload goes, and so do the bytes of a refused one; an accepted one's are the source.
  server.on('POST_FINISH', (_req: unknown, _res: unknown, upload: { id: string }) => {
    const drop = refused.delete(upload.id);
    void (async () => {
      await store.forget(upload.id).catch(() => undefined);
      if (drop) await platform.blob.delete(upload.id);
    })().catch((error: unknown) => platform.logger.warn({ err: error, uploadId: upload.id }, 'dropping a refused upload failed'));
  });
  return { server, store };
}
