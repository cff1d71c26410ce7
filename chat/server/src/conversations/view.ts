/**
 * A conversation as the API shows it: ids as strings, its members with their roles, and
 * the log's current end.
 */
import type { AccountId, ConversationId } from '@twin/chat-protocol';
import type { ConversationRow, MemberRow } from './store.ts';

export interface ConversationView {
  id: ConversationId;
  type: 'direct' | 'group';
  title?: string;
  avatarBlobKey?: string;
  members: Array<{ accountId: AccountId; role: 'admin' | 'member'; joinedAt: number }>;
  lastSeq: number;
  createdAt: number;
}

export function toView(row: ConversationRow, members: readonly MemberRow[]): ConversationView {
  const view: ConversationView = {
    id: String(row.id) as ConversationId,
    type: row.type,
    members: members.map((m) => ({ accountId: String(m.account_id) as AccountId, role: m.role, joinedAt: Number(m.joined_at) })),
    lastSeq: Number(row.last_seq),
    createdAt: Number(row.created_at),
  };
  if (row.title !== null) view.title = row.title;
  if (row.avatar_blob_key !== null) view.avatarBlobKey = row.avatar_blob_key;
  return view;
}
