/**
 * "Do these two accounts share a conversation?" — asked for every account a presence
 * subscription names, so the questions of one event-loop turn are answered together:
 * one query per asking account, whatever the number of others.
 */
import type { Kysely } from 'kysely';
import { isStorableId } from '../http-schemas.ts';
import { GroupCommit } from '../messages/group-commit.ts';
import type { ChatTables } from '../migrations.ts';
import { sharingWith } from './store.ts';

export class SharingCheck {
  readonly #db: Kysely<ChatTables>;
  readonly #batch: GroupCommit<readonly [string, string], boolean>;

  constructor(db: Kysely<any>) {
    this.#db = db;
    this.#batch = new GroupCommit((pairs) => this.#answer(pairs));
  }

  ask(a: string, b: string): Promise<boolean> {
    if (!isStorableId(a) || !isStorableId(b)) return Promise.resolve(false);
    return this.#batch.submit([a, b]);
  }

  async #answer(pairs: ReadonlyArray<readonly [string, string]>): Promise<PromiseSettledResult<boolean>[]> {
    const byAsker = new Map<string, Set<string>>();
    for (const [a, b] of pairs) byAsker.set(a, (byAsker.get(a) ?? new Set()).add(b));
    const answers = new Map<string, Set<string>>();
    await Promise.all([...byAsker].map(async ([a, others]) => answers.set(a, await sharingWith(this.#db, a, [...others]))));
    return pairs.map(([a, b]) => ({ status: 'fulfilled', value: answers.get(a)!.has(b) }));
  }
}
