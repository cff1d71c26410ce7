/**
 * The tus 1.0 server (creation, creation-with-upload, termination, expiration) behind
 * `/v1/uploads`. The upload id is the video id: creating an upload creates the video row
 * (`uploading`) after checking the channel, the size limit and the account's quota.
 * Every request on an existing upload is checked against its owner (another account → 404,
 * as if it did not exist). Bytes are staged with `@tus/file-store` under DATA_DIR/uploads
 * (its JSON config store survives restarts, so an upload resumes on a new process); the
 * finished file moves into the blob seam (see completion.ts).
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import type { Platform } from '@twin/platform';
import { platformErrors, type ErrorSpec } from '@twin/platform';
import { videoDb } from '../db.ts';
import { videoErrors } from '../errors.ts';
import type { AccountId, VideoId } from '../ids.ts';
import type { ChannelService } from '../channels/service.ts';
import { accountUsedBytes, findVideo, insertVideo } from '../videos/store.ts';
import { completeUpload, type CompletionDeps } from './completion.ts';
import { parseUploadMetadata } from './upload-metadata.ts';

/**
 * The account of each raw request, set by the Fastify route from the verified access
 * token. tus-node-server hands hooks a web Request whose `runtime.node.req` is the raw one.
 */
export const requestAccounts = new WeakMap<IncomingMessage, AccountId>();

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

export function uploadsDir(platform: Platform): string {
  return join(platform.config.dataDir, 'uploads');
}

export function createTusServer(deps: TusDeps): { server: Server; store: FileStore } {
  const { platform } = deps;
  const db = videoDb(platform);
  const store = new FileStore({ directory: uploadsDir(platform), expirationPeriodInMilliseconds: deps.expiryMs });
  const accountOf = (req: object) => {
    const raw = (req as { runtime?: { node?: { req: IncomingMessage } } }).runtime?.node?.req;
    return ((raw && requestAccounts.get(raw)) ?? '') as AccountId;
  };

  const server = new Server({
    path: '/v1/uploads',
    datastore: store,
    relativeLocation: true,
    maxSize: deps.maxBytes,
    namingFunction: () => platform.ids.next(),
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const video = await findVideo(db, uploadId as VideoId).catch(() => undefined);
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
      await insertVideo(db, { id: upload.id as VideoId, accountId, sizeBytes: size, ...meta });
      return { metadata: upload.metadata };
    },
    async onUploadFinish(_req, upload) {
      try {
        await completeUpload(deps, upload.id as VideoId, join(uploadsDir(platform), upload.id));
      } catch (error) {
        // The bytes stay staged; the upload can be completed again by the sweeper or support. The client got them all.
        platform.logger.error({ err: error, videoId: upload.id }, 'upload completion failed');
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
  // The staged bytes are in the blob seam (or refused) by now; drop them once the response is out (tus reads the upload while answering).
  server.on('POST_FINISH', (_req: unknown, _res: unknown, upload: { id: string }) => void store.remove(upload.id).catch(() => undefined));
  return { server, store };
}
