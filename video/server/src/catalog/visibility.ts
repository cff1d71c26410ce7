/**
 * Who sees a video, the one rule behind the catalog's detail, listings and write checks:
 * its owner always; anyone else (signed in or not) only once it is `ready` and `public`
 * or `unlisted` (unlisted: to whoever holds the id — listings and search never show it).
 * A video the caller may not see does not exist for it (404), so ids of private videos
 * leak nothing; one it may see but does not own answers 403 to changes.
 */
import type { AccountId } from '../ids.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';

export interface VisibleVideo {
  accountId: AccountId;
  visibility: Visibility;
  status: VideoStatus;
}

export function isOwner(video: VisibleVideo, caller: AccountId | undefined): boolean {
  return caller !== undefined && video.accountId === caller;
}

export function canSee(video: VisibleVideo, caller: AccountId | undefined): boolean {
  return isOwner(video, caller) || (video.status === 'ready' && video.visibility !== 'private');
}
