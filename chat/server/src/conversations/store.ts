/**
 * SQL for conversations and their members. Functions take the executor, so the service
 * runs them inside the transaction that also appends the `system` entry and the outbox
 * events of a membership change.
 */
import type { Kysely } from 'kysely';
import { padList } from '@twin/platform/sql';
import type { ChatTables } from '../migrations.ts';

type Db = Kysely<ChatTables>;
export type ConversationRow = ChatTables['chat_conversation'];
export type MemberRow = ChatTables['chat_member'];

export function findConversation(db: Db, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('chat_conversation').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findDirect(db: Db, directKey: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('chat_conversation').selectAll().where('direct_key', '=', directKey).executeTakeFirst();
}

export async function insertConversation(db: Db, row: ConversationRow, members: readonly MemberRow[]): Promise<void> {
  await db.insertInto('chat_conversation').values(row).execute();
  if (members.length > 0) await db.insertInto('chat_member').values([...members]).execute();
}

/** The conversation and, when the account is a member, its member row — one query. */
export async function findWithMember(db: Db, conversationId: string, accountId: string): Promise<{ conversation: ConversationRow; member: MemberRow | undefined } | undefined> {
  const row = await db
    .selectFrom('chat_conversation as c')
    .leftJoin('chat_member as m', (join) => join.onRef('m.conversation_id', '=', 'c.id').on('m.account_id', '=', accountId))
    .selectAll('c')
    .select(['m.role', 'm.joined_at', 'm.visible_from_seq', 'm.read_seq', 'm.account_id as member_account_id'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { role, joined_at, visible_from_seq, read_seq, member_account_id, ...conversation } = row;
  const member =
    member_account_id === null || role === null
      ? undefined
      : { conversation_id: conversation.id, account_id: accountId, role, joined_at: joined_at!, visible_from_seq: visible_from_seq!, read_seq: read_seq! };
  return { conversation, member };
}

export function findMember(db: Db, conversationId: string, accountId: string): Promise<MemberRow | undefined> {
  return db.selectFrom('chat_member').selectAll().where('conversation_id', '=', conversationId).where('account_id', '=', accountId).executeTakeFirst();
}

export function membersOf(db: Db, conversationIds: readonly string[]): Promise<MemberRow[]> {
  if (conversationIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('chat_member').selectAll().where('conversation_id', 'in', padList(conversationIds)).orderBy('conversation_id').orderBy('joined_at').orderBy('account_id').execute();
}

export async function countMembers(db: Db, conversationId: string): Promise<number> {
  const row = await db.selectFrom('chat_member').select((eb) => eb.fn.countAll<number | string>().as('n')).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteMember(db: Db, conversationId: string, accountId: string): Promise<void> {
  await db.deleteFrom('chat_member').where('conversation_id', '=', conversationId).where('account_id', '=', accountId).execute();
}

export async function setRole(db: Db, conversationId: string, accountId: string, role: MemberRow['role']): Promise<void> {
  await db.updateTable('chat_member').set({ role }).where('conversation_id', '=', conversationId).where('account_id', '=', accountId).execute();
}

/** The account's conversations with id > `afterId`, ascending by id. */
export function conversationsOf(db: Db, accountId: string, afterId: string | undefined, limit: number): Promise<ConversationRow[]> {
  let query = db
    .selectFrom('chat_conversation')
    .innerJoin('chat_member', 'chat_member.conversation_id', 'chat_conversation.id')
    .selectAll('chat_conversation')
    .where('chat_member.account_id', '=', accountId);
  if (afterId !== undefined) query = query.where('chat_conversation.id', '>', afterId);
  return query.orderBy('chat_conversation.id').limit(limit).execute();
}

/** Which of `accountIds` exist. */
export async function existingAccounts(db: Kysely<any>, accountIds: readonly string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await db.selectFrom('account').select('id').where('id', 'in', accountIds).execute();
  return new Set(rows.map((r: { id: unknown }) => String(r.id)));
}

/** Which of `others` share at least one conversation with `accountId` — one query for all. */
export async function sharingWith(db: Db, accountId: string, others: readonly string[]): Promise<Set<string>> {
  if (others.length === 0) return new Set();
  const rows = await db
    .selectFrom('chat_member as x')
    .innerJoin('chat_member as y', 'y.conversation_id', 'x.conversation_id')
    .select('y.account_id')
    .distinct()
    .where('x.account_id', '=', accountId)
    .where('y.account_id', 'in', others)
    .execute();
  return new Set(rows.map((r) => String(r.account_id)));
}
