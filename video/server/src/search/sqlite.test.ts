import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { SqliteEngine } from '@twin/platform/sql';
import type { ChannelId, VideoId } from '../ids.ts';
import { runContract } from './contract.case.ts';
import type { SearchDocument } from './interface.ts';
import { SqliteSearchIndex } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite fts5 search index contract', () => {
  runContract({ create: async () => new SqliteEngine({ filename: join(dir, 'search.db') }) });
});

test('relevance scores are exactly FTS5 bm25() of the same match, through every change of the index', async () => {
  const engine = new SqliteEngine({ filename: join(dir, 'bm25.db') });
  const index = new SqliteSearchIndex();
  await index.createSchema(engine.db);
  const texts = [
    ['Crème brûlée, the easy way', ['dessert', 'french'], 'Caramel on top: a torch, sugar and patience. Crème first.'],
    ['Caramel sauce in five minutes', ['dessert', 'caramel'], 'sugar, butter, cream — and a pan'],
    ['Sugar glass for film props', ['props'], 'not a dessert, though it is caramel-coloured sugar'],
    ['Night walk', [], "a quiet street, the baker's window, sugar-dusted buns"],
  ] as const;
  const documents: SearchDocument[] = texts.map(([title, tags, description], i) => ({
    id: String(9_000_000_000_000_000_000n + BigInt(i)) as VideoId,
    channelId: '1' as ChannelId,
    title,
    tags,
    description,
    durationSec: 60,
    createdAt: i,
  }));
  const bm25 = async (match: string) =>
    new Map((await sql<{ id: bigint | string; score: number }>`select -rowid as id, -bm25(video_search_fts, 10.0, 4.0, 1.0) as score from video_search_fts where video_search_fts match ${match}`.execute(engine.db)).rows.map((r) => [String(r.id), r.score]));
  const check = async (terms: string[], prefix = false) => {
    const hits = await index.search(engine.db, { terms, prefix, filters: {}, sort: 'relevance', candidates: 1000, limit: 50 });
    // bm25() of the complete terms: a trailing prefix narrows the matches but is not scored.
    const scored = await bm25(terms.slice(0, prefix ? -1 : undefined).map((t) => `"${t}"`).join(' '));
    assert.ok(hits.length > 0, terms.join(' '));
    for (const hit of hits) assert.ok(Math.abs(hit.value - scored.get(hit.id)!) < 1e-12, `${terms.join(' ')}: ${hit.value} vs ${scored.get(hit.id)}`);
    return hits.length;
  };

  await engine.db.transaction().execute((trx) => index.upsert(trx, documents.slice(0, 3)));
  assert.equal(await check(['sugar']), 3);
  assert.equal(await check(['caramel', 'sugar']), 3);
  assert.equal(await check(['dessert', 'car'], true), 3);
  // More documents holding the same terms: the counts kept for them must not be reused.
  await engine.db.transaction().execute((trx) => index.upsert(trx, documents.slice(3)));
  assert.equal(await check(['sugar']), 4);
  await engine.db.transaction().execute((trx) => index.remove(trx, [documents[0]!.id]));
  assert.equal(await check(['sugar']), 3);
  assert.equal(await check(['caramel', 'sugar']), 2);
  await engine.close();
});
