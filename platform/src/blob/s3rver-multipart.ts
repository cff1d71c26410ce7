/**
 * The three multipart-upload calls s3rver 3.7 lacks, added to it for tests: ListParts
 * (`GET /bucket/key?uploadId=`), AbortMultipartUpload (`DELETE /bucket/key?uploadId=`) and
 * ListMultipartUploads (`GET /bucket?uploads`). s3rver already creates, uploads and
 * completes multipart uploads; a resumable uploader such as @tus/s3-store also asks which
 * parts a stored upload holds (to resume on any node after a restart), aborts uploads,
 * and lists them to expire abandoned ones. Answers follow the S3 API reference's XML,
 * read from s3rver's own store (one folder per upload id holding the key, and each part
 * with its MD5), so the real wire protocol is spoken both ways. Test-only, like s3rver.
 */
import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;

/** The part of s3rver's Koa app and filesystem store used here. */
export interface S3rverInternals {
  middleware: Middleware[];
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
}

interface Context {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
}
type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void> | void;

const MAX_PARTS = 1000;

/** Installs the three calls in front of s3rver's router (call before `run()`). */
export function addMultipartListing(server: S3rverInternals): void {
  const uploadsDir = (bucket: string) => server.store.getResourcePath(bucket, undefined, 'uploads');
  const handle: Middleware = async (ctx, next) => {
    const [bucket, ...keyParts] = ctx.path.split('/').slice(1).map((p) => decodeURIComponent(p));
    if (!bucket) return next();
    const key = keyParts.join('/');
    const uploadId = ctx.query['uploadId'];
    if (ctx.method === 'GET' && key === '' && 'uploads' in ctx.query) {
      ctx.body = await listUploads(bucket, uploadsDir(bucket));
    } else if (ctx.method === 'GET' && key !== '' && uploadId !== undefined && ctx.query['partNumber'] === undefined) {
      ctx.body = await listParts(bucket, key, uploadId, uploadsDir(bucket), Number(ctx.query['part-number-marker'] ?? 0));
    } else if (ctx.method === 'DELETE' && key !== '' && uploadId !== undefined) {
      await uploadFolder(uploadsDir(bucket), uploadId, key);
      await rm(join(uploadsDir(bucket), uploadId), { recursive: true, force: true });
      ctx.status = 204;
    } else {
      return next();
    }
  };
  // Before the router (the last middleware), after the XML encoder that renders `ctx.body`.
  server.middleware.splice(server.middleware.length - 1, 0, handle);
}

/** The upload's folder, checked to exist and to belong to `key`. */
async function uploadFolder(root: string, uploadId: string, key: string): Promise<string> {
  const dir = join(root, uploadId);
  const stored = /^[0-9a-f]+$/.test(uploadId) ? await readFile(join(dir, 'key'), 'utf8').catch(() => undefined) : undefined;
  if (stored !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  return dir;
}

async function listParts(bucket: string, key: string, uploadId: string, root: string, marker: number) {
  const dir = await uploadFolder(root, uploadId, key);
  const numbers = (await readdir(dir)).filter((name) => /^\d+$/.test(name)).map(Number).filter((n) => n > marker).sort((a, b) => a - b);
  const page = numbers.slice(0, MAX_PARTS);
  const parts = await Promise.all(
    page.map(async (n) => {
      const [info, md5] = await Promise.all([stat(join(dir, String(n))), readFile(join(dir, `${n}.md5`), 'utf8')]);
      return { PartNumber: n, LastModified: info.mtime.toISOString(), ETag: `"${md5.trim()}"`, Size: info.size };
    }),
  );
  return {
    ListPartsResult: {
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1) ?? marker,
      MaxParts: MAX_PARTS,
      IsTruncated: numbers.length > page.length,
      Part: parts,
    },
  };
}

async function listUploads(bucket: string, root: string) {
  const ids = await readdir(root).catch(() => [] as string[]);
  const uploads = [];
  for (const id of ids.sort()) {
    const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => undefined);
    if (key === undefined) continue;
    // The key file is written when the upload is initiated.
    uploads.push({ Key: key, UploadId: id, Initiated: (await stat(join(root, id, 'key'))).mtime.toISOString() });
  }
  return { ListMultipartUploadsResult: { Bucket: bucket, KeyMarker: '', UploadIdMarker: '', MaxUploads: 1000, IsTruncated: false, Upload: uploads } };
}
