/**
 * Where viewers fetch a video's blobs: the origin serves `videos/{id}/…` of the blob
 * store under `/v/{id}/…` (an unlisted or private video adds its signature there).
 */
export function originPath(blobKey: string): string {
  return blobKey.replace(/^videos\//, '/v/');
}
