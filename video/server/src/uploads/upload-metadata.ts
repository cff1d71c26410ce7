/**
 * What an upload's tus `Upload-Metadata` must carry (channelId, title, filename) and may
 * carry (description, tags as a comma list, visibility), checked once at creation.
 */
import { isStorableId, type ChannelId } from '../ids.ts';
import { VISIBILITIES, type Visibility } from '../videos/status.ts';

export interface UploadMetadata {
  channelId: ChannelId;
  title: string;
  filename: string;
  description: string;
  tags: string[];
  visibility: Visibility;
}

/** The parsed metadata, or a sentence saying what is wrong. */
export function parseUploadMetadata(raw: Record<string, string | null | undefined> | undefined): UploadMetadata | string {
  const m = raw ?? {};
  const channelId = m.channelId ?? '';
  if (!isStorableId(channelId)) return 'channelId must be a channel id';
  const title = (m.title ?? '').trim();
  if (title.length < 1 || title.length > 200) return 'title must be 1–200 characters';
  const filename = m.filename ?? '';
  if (filename.length < 1 || filename.length > 255) return 'filename must be 1–255 characters';
  const description = m.description ?? '';
  if (description.length > 5000) return 'description must be at most 5000 characters';
  const tags = (m.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length > 30 || tags.some((t) => t.length > 50)) return 'tags: at most 30, each at most 50 characters';
  const visibility = (m.visibility ?? 'private') as Visibility;
  if (!VISIBILITIES.includes(visibility)) return `visibility must be one of ${VISIBILITIES.join(', ')}`;
  return { channelId: channelId as ChannelId, title, filename, description, tags, visibility };
}
