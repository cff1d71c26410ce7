/**
 * SQL for idempotency records: claim a key atomically (insert-or-nothing, so a taken key
 * costs no failed statement), store the response, release a key whose request failed so
 * a retry can run again, and sweep expired records.
 */
import type { Kysely } from 'kysely';
import type { IdempotencyTables } from './migrations.ts';

export type ClaimResult =
  | { outcome: 'claimed' }
  | { outcome: 'mismatch' }
  | { outcome: 'in_flight' }
  | { outcome: 'replay'; statusCode: number; contentType: string | null; body: string };

export class IdempotencyStore {
  readonly #db: Kysely<IdempotencyTables>;
  constructor(db: Kysely<any>) {
    this.#db = db;
  }

  async claim(scope: string, key: string, requestHash: string, ttlMs: number, now = Date.now()): Promise<ClaimResult> {
    const claimed = await this.#db
      .insertInto('idempotency_record')
      .values({ scope, key, request_hash: requestHash, state: 'in_flight', status_code: null, content_type: null, body: null, created_at: now, expires_at: now + ttlMs })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) return { outcome: 'claimed' };
    const existing = await this.#db.selectFrom('idempotency_record').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    // Released (its request failed) since our insert: claim it afresh.
    if (!existing) return this.claim(scope, key, requestHash, ttlMs, now);
    // An expired record no longer protects its key.
    if (existing.expires_at <= now) {
      await this.#db.deleteFrom('idempotency_record').where('scope', '=', scope).where('key', '=', key).where('expires_at', '<=', now).execute();
      return this.claim(scope, key, requestHash, ttlMs, now);
    }
    if (existing.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (existing.state === 'in_flight') return { outcome: 'in_flight' };
    return { outcome: 'replay', statusCode: existing.status_code ?? 200, contentType: existing.content_type, body: existing.body ?? '' };
  }

  async complete(scope: string, key: string, response: { statusCode: number; contentType: string | null; body: string }): Promise<void> {
    await this.#db
      .updateTable('idempotency_record')
      .set({ state: 'done', status_code: response.statusCode, content_type: response.contentType, body: response.body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.#db.deleteFrom('idempotency_record').where('scope', '=', scope).where('key', '=', key).where('state', '=', 'in_flight').execute();
  }

  async sweepExpired(now = Date.now()): Promise<number> {
    const result = await this.#db.deleteFrom('idempotency_record').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
