/**
 * Names of an upload. The video id is what clients see (`/v1/uploads/<videoId>`); inside
 * tus the upload's id is the blob key of the video's source, `videos/<id>/source`, so the
 * tus datastore writes the bytes where the transcoder reads them and nothing is copied
 * when the upload completes.
 */
import { isStorableId, type VideoId } from '../ids.ts';

export const sourceKey = (id: VideoId) => `videos/${id}/source`;

const SOURCE_KEY = /^videos\/([0-9]{1,20})\/source$/;

/** The video of a tus upload id (a source key); undefined for anything else. */
export function videoOfUpload(uploadId: string): VideoId | undefined {
  const id = SOURCE_KEY.exec(uploadId)?.[1];
  return id && isStorableId(id) ? (id as VideoId) : undefined;
}

/** The tus upload id of the last path segment of an upload URL; undefined when it is no video id. */
export function uploadOfPathSegment(segment: string | undefined): string | undefined {
  return segment !== undefined && isStorableId(segment) ? sourceKey(segment as VideoId) : undefined;
}
