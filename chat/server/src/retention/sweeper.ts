/**
 * Deletes messages the retention policy no longer keeps, periodically and in batches (a
 * sweep never holds a long transaction). With a duration, entries stored before the
 * cutoff go. With `until-delivered`, an entry goes once every active device of every
 * current member — except the device that sent it — has acked past it; a device's cursor
 * counts from the point its account joined, so a later member does not hold back what it
 * can never see; and an entry nobody fetched goes after `undeliveredMaxAgeMs` anyway. Deleted rows take their bodies with them; sequence numbers are never
 * reused (the conversation keeps its `last_seq`).
 */
import { sql, type Kysely } from 'kysely';
import { PeriodicTask, type Logger } from '@twin/platform';
import type { ChatTables } from '../migrations.ts';
import type { RetentionPolicy } from './policy.ts';

export interface RetentionSweeperDeps {
  db: Kysely<any>;
  policy: RetentionPolicy;
  /** With `until-delivered`: entries still undelivered after this long go anyway (WhatsApp keeps them 30 days). */
  undeliveredMaxAgeMs?: number;
  /** Called with the number of entries each batch deleted (metrics). */
  onDeleted?: (count: number) => void;
  intervalMs: number;
  logger?: Logger;
  /** Rows per delete statement. */
  batchSize?: number;
  /**
   * With `until-delivered`, most rounds look only at conversations whose cursors moved
   * since the previous round; every this many rounds (and the first) look at all, which
   * covers what frees entries without an ack (a removed device, a member who left). Default 10.
   */
  fullScanEvery?: number;
  now?: () => number;
}

type Key = { conversation_id: string; seq: number };

export class RetentionSweeper {
  readonly #deps: RetentionSweeperDeps;
  readonly #db: Kysely<ChatTables>;
  readonly #batch: number;
  readonly #now: () => number;
  readonly #task: PeriodicTask<number>;
  #stopped = false;
  #round = 0;
  /** Start of the previous round, minus slack for clock skew between the nodes that write cursors. */
  #since = 0;

  constructor(deps: RetentionSweeperDeps) {
    this.#deps = deps;
    this.#db = deps.db;
    this.#batch = deps.batchSize ?? 1000;
    this.#now = deps.now ?? Date.now;
    this.#task = new PeriodicTask({ intervalMs: deps.intervalMs, run: () => this.#sweep(), onError: (error) => deps.logger?.warn({ err: error }, 'chat retention sweep failed') });
  }

  start(): void {
    this.#task.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#task.stop();
  }

  /** One full sweep (or the one in progress); resolves how many entries were deleted. */
  sweep(): Promise<number> {
    return this.#task.run();
  }

  async #sweep(): Promise<number> {
    const policy = this.#deps.policy;
    if (policy.mode === 'duration') return this.#sweepWith(() => this.#olderThan(policy.ms));
    const started = this.#now();
    const full = this.#round++ % (this.#deps.fullScanEvery ?? 10) === 0;
    const conversations = full ? undefined : await this.#conversationsAckedSince(this.#since);
    this.#since = started - Math.max(this.#deps.intervalMs, 5_000);
    let deleted = conversations?.length === 0 ? 0 : await this.#sweepWith(() => this.#delivered(conversations));
    const maxAge = this.#deps.undeliveredMaxAgeMs;
    if (maxAge !== undefined) deleted += await this.#sweepWith(() => this.#olderThan(maxAge));
    return deleted;
  }

  async #sweepWith(expired: () => Promise<Key[]>): Promise<number> {
    let deleted = 0;
    while (!this.#stopped) {
      const keys = await expired();
      if (keys.length === 0) break;
      await this.#delete(keys);
      deleted += keys.length;
      this.#deps.onDeleted?.(keys.length);
      if (keys.length < this.#batch) break;
      // Let requests in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  #olderThan(ms: number): Promise<Key[]> {
    return this.#db
      .selectFrom('chat_message')
      .select(['conversation_id', 'seq'])
      .where('stored_at', '<', this.#now() - ms)
      .orderBy('stored_at')
      .limit(this.#batch)
      .execute();
  }

  async #conversationsAckedSince(since: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('chat_cursor').select('conversation_id').distinct().where('updated_at', '>=', since).limit(10_000).execute();
    return rows.map((r) => String(r.conversation_id));
  }

  /** Entries every active device of every current member (except the sending device) has acked, in `conversations` when given. */
  #delivered(conversations?: readonly string[]): Promise<Key[]> {
    const cursor = sql<number>`CASE WHEN cur.acked_seq IS NOT NULL AND cur.acked_seq > mem.visible_from_seq THEN cur.acked_seq ELSE mem.visible_from_seq END`;
    return this.#db
      .selectFrom('chat_message as m')
      .select(['m.conversation_id', 'm.seq'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('chat_member as mem')
              .innerJoin('chat_device as d', 'd.account_id', 'mem.account_id')
              .leftJoin('chat_cursor as cur', (join) => join.onRef('cur.device_id', '=', 'd.id').onRef('cur.conversation_id', '=', 'mem.conversation_id'))
              .select(sql`1`.as('one'))
              .whereRef('mem.conversation_id', '=', 'm.conversation_id')
              .where('d.removed_at', 'is', null)
              .where((eb) => eb.or([eb('m.sender_device_id', 'is', null), eb('d.id', '<>', eb.ref('m.sender_device_id'))]))
              .where(cursor, '<', sql<number>`m.seq`),
          ),
        ),
      )
      .$if(conversations !== undefined, (q) => q.where('m.conversation_id', 'in', conversations!))
      .orderBy('m.conversation_id')
      .orderBy('m.seq')
      .limit(this.#batch)
      .execute();
  }

  async #delete(keys: readonly Key[]): Promise<void> {
    const byConversation = new Map<string, number[]>();
    for (const key of keys) {
      const list = byConversation.get(String(key.conversation_id)) ?? [];
      list.push(Number(key.seq));
      byConversation.set(String(key.conversation_id), list);
    }
    await this.#db.transaction().execute(async (trx) => {
      for (const [conversationId, seqs] of byConversation) {
        await trx.deleteFrom('chat_message').where('conversation_id', '=', conversationId).where('seq', 'in', seqs).execute();
      }
    });
  }
}
