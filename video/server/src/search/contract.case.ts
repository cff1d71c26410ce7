/**
 * What every search index must do, run on SQLite FTS5 and on PostgreSQL alike: weighted
 * ranking, all-terms matching, prefixes, filters, sorts, keyset pages, and the sync and
 * reindex that decide what is indexed. Each test uses its own words, so the tests share
 * one database without seeing each other's videos.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { platformMigrations } from '@twin/platform';
import type { SqlEngine } from '@twin/platform/sql';
import type { VideoDb } from '../db.ts';
import type { ChannelId, VideoId } from '../ids.ts';
import { videoMigrations } from '../migrations.ts';
import type { VideoStatus, Visibility } from '../videos/status.ts';
import { searchIndexFor } from './index.ts';
import type { SearchIndex, SearchQuery } from './interface.ts';
import { reindexVideos } from './reindex.ts';
import { syncVideos } from './sync-videos.ts';
import { queryTerms } from './terms.ts';

export interface SearchContractOptions {
  create: () => Promise<SqlEngine>;
  skip?: { reason: string; tests: string[] }[];
}

interface VideoSpec {
  title: string;
  tags?: string[];
  description?: string;
  durationSec?: number;
  createdAt?: number;
  visibility?: Visibility;
  status?: VideoStatus;
  views?: number;
  channel?: ChannelId;
}

export function runContract({ create, skip = [] }: SearchContractOptions): void {
  let engine: SqlEngine;
  let db: VideoDb;
  let index: SearchIndex;
  let nextId = 7_000_000_000_000_000_000n;
  const channels: ChannelId[] = ['1000000000000000001' as ChannelId, '1000000000000000002' as ChannelId];
  const skipped = (name: string) => skip.find((s) => s.tests.includes(name))?.reason ?? false;
  const it = (name: string, fn: () => Promise<void>) => test(name, { skip: skipped(name) }, fn);

  before(async () => {
    engine = await create();
    await engine.migrate({ ...platformMigrations, ...videoMigrations });
    db = engine.db as VideoDb;
    index = searchIndexFor(engine.db);
    const account = '1000000000000000000';
    await (engine.db as Kysely<any>).insertInto('account').values({ id: account, handle: 'search', handle_key: 'search', password_hash: 'x', created_at: 0 }).execute();
    for (const id of channels) await db.insertInto('video_channel').values({ id, account_id: account, name: 'c', description: '', created_at: 0 }).execute();
  });
  after(() => engine.close());

  /** Inserts a video row (public and ready unless told) without indexing it. */
  const insert = async (spec: VideoSpec): Promise<VideoId> => {
    const id = String(nextId++) as VideoId;
    const createdAt = spec.createdAt ?? 1_700_000_000_000;
    await db
      .insertInto('video')
      .values({
        id,
        channel_id: spec.channel ?? channels[0]!,
        account_id: '1000000000000000000',
        title: spec.title,
        description: spec.description ?? '',
        tags: JSON.stringify(spec.tags ?? []),
        filename: 'f.mp4',
        visibility: spec.visibility ?? 'public',
        status: spec.status ?? 'ready',
        failure_reason: null,
        failure_message: null,
        size_bytes: 1,
        duration_sec: spec.durationSec ?? 60,
        width: null,
        height: null,
        source_info: null,
        outputs: null,
        chunks_total: null,
        chunks_done: 0,
        created_at: createdAt,
        updated_at: createdAt,
        view_count: spec.views ?? 0,
      })
      .execute();
    return id;
  };
  const sync = (ids: VideoId[]) => db.transaction().execute((trx) => syncVideos(trx, index, ids));
  const add = async (spec: VideoSpec): Promise<VideoId> => {
    const id = await insert(spec);
    await sync([id]);
    return id;
  };
  const find = async (q: string, o: Partial<Omit<SearchQuery, 'terms'>> = {}) =>
    (await index.search(db, { terms: queryTerms(q), prefix: false, filters: {}, sort: 'relevance', candidates: 1000, limit: 50, ...o })).map((h) => h.id);

  it('ranks a title hit above a tags hit above a description hit', async () => {
    const inDescription = await add({ title: 'evening walk', description: 'we saw a heron by the river' });
    const inTitle = await add({ title: 'heron fishing' });
    const inTags = await add({ title: 'birds of the lake', tags: ['heron', 'wildlife'] });
    assert.deepEqual(await find('heron'), [inTitle, inTags, inDescription]);
  });

  it('finds only videos with every term, ignoring case and accents', async () => {
    const both = await add({ title: 'Crème Brûlée recipe', description: 'caramel' });
    await add({ title: 'creme anglaise' });
    assert.deepEqual(await find('CREME brulee'), [both]);
    assert.deepEqual(await find('brûlée caramel'), [both]);
    assert.deepEqual(await find('creme nosuchword'), []);
  });

  it('matches the last term as a prefix only when asked (search-as-you-type)', async () => {
    const video = await add({ title: 'kayaking adventure' });
    assert.deepEqual(await find('kaya'), []);
    assert.deepEqual(await find('kaya', { prefix: true }), [video]);
    assert.deepEqual(await find('adventure kay', { prefix: true }), [video]);
    assert.deepEqual(await find('kay adventure', { prefix: true }), [], 'only the last term is a prefix');
  });

  it('ranks search-as-you-type by its complete terms: the prefix narrows but is not scored', async () => {
    const prefixInTitle = await add({ title: 'paddleboards on the bay', description: 'a numbat outing' });
    const termInTitle = await add({ title: 'numbat outing', description: 'paddleboards everywhere' });
    await add({ title: 'numbat at dusk' });
    assert.deepEqual(await find('numbat paddl', { prefix: true }), [termInTitle, prefixInTitle]);
    // A prefix alone has nothing to score: newest first.
    const newest = await add({ title: 'paddle repair', createdAt: 1_800_000_000_000 });
    assert.deepEqual(await find('paddl', { prefix: true }), [newest, termInTitle, prefixInTitle]);
  });

  it('reads query words as words, never as query syntax', async () => {
    const video = await add({ title: 'not and or near' });
    assert.deepEqual(await find('NOT AND OR NEAR'), [video]);
    assert.deepEqual(await find('"not" (and) or* near:'), [video]);
  });

  it('filters by channel, duration range and upload date', async () => {
    const short = await add({ title: 'zebra short', durationSec: 30, createdAt: 1_000 });
    const long = await add({ title: 'zebra long', durationSec: 1200, createdAt: 2_000, channel: channels[1]! });
    const mid = await add({ title: 'zebra mid', durationSec: 300, createdAt: 3_000 });
    const sorted = (ids: VideoId[]) => [...ids].sort();
    assert.deepEqual(sorted(await find('zebra', { filters: { channelId: channels[1]! } })), [long]);
    assert.deepEqual(sorted(await find('zebra', { filters: { minDurationSec: 60, maxDurationSec: 600 } })), [mid]);
    assert.deepEqual(sorted(await find('zebra', { filters: { minDurationSec: 300 } })), sorted([long, mid]));
    assert.deepEqual(sorted(await find('zebra', { filters: { uploadedAfter: 2_000 } })), sorted([long, mid]));
    assert.deepEqual(sorted(await find('zebra', { filters: { uploadedBefore: 2_000 } })), [short]);
  });

  it('sorts by date (upload order) and by views, newest or most viewed first, ties by id', async () => {
    const a = await add({ title: 'okapi one', createdAt: 5_000, views: 10 });
    const b = await add({ title: 'okapi two', createdAt: 6_000, views: 3 });
    const c = await add({ title: 'okapi three', createdAt: 7_000, views: 10 });
    assert.deepEqual(await find('okapi', { sort: 'date' }), [c, b, a]);
    assert.deepEqual(await find('okapi', { sort: 'views' }), [c, a, b]);
  });

  it('ranks by relevance among the newest `candidates` matches only', async () => {
    const oldBest = await add({ title: 'gecko gecko', tags: ['gecko'] });
    const middle = await add({ title: 'pets', description: 'a gecko' });
    const newest = await add({ title: 'lizards', tags: ['gecko'] });
    assert.deepEqual(await find('gecko'), [oldBest, newest, middle]);
    assert.deepEqual(await find('gecko', { candidates: 2 }), [newest, middle]);
  });

  it('pages by keyset after (value, id) without repeats or gaps, in every sort', async () => {
    const ids: VideoId[] = [];
    for (let i = 0; i < 7; i++) ids.push(await add({ title: `lynx ${i % 2 ? 'lynx' : ''}`, description: 'lynx '.repeat(i % 3), createdAt: 10_000 + (i % 3), views: i % 2 }));
    for (const sort of ['relevance', 'date', 'views'] as const) {
      const all = await index.search(db, { terms: ['lynx'], prefix: false, filters: {}, sort, candidates: 1000, limit: 50 });
      const paged = [];
      let after: { value: number; id: VideoId } | undefined;
      for (;;) {
        const page = await index.search(db, { terms: ['lynx'], prefix: false, filters: {}, sort, candidates: 1000, limit: 3, ...(after ? { after } : {}) });
        paged.push(...page);
        if (page.length < 3) break;
        after = page.at(-1)!;
      }
      assert.deepEqual(paged.map((h) => h.id), all.map((h) => h.id), sort);
      assert.equal(new Set(paged.map((h) => h.id)).size, 7, sort);
    }
  });

  it('indexes only public, ready videos and drops one that stops being either', async () => {
    const shown = await add({ title: 'ibex public' });
    await add({ title: 'ibex private', visibility: 'private' });
    await add({ title: 'ibex unlisted', visibility: 'unlisted' });
    await add({ title: 'ibex processing', status: 'processing' });
    assert.deepEqual(await find('ibex'), [shown]);
    await db.updateTable('video').set({ visibility: 'unlisted' }).where('id', '=', shown).execute();
    assert.deepEqual(await find('ibex'), [shown], 'stale until synced');
    await sync([shown]);
    assert.deepEqual(await find('ibex'), []);
    await db.deleteFrom('video').where('id', '=', shown).execute();
    assert.deepEqual(await sync([shown, shown]), { indexed: 0, removed: 1 }, 'syncing a gone video again is harmless');
  });

  it('replaces a document on re-sync', async () => {
    const id = await add({ title: 'walrus', description: 'tusks' });
    await db.updateTable('video').set({ title: 'narwhal', description: 'horn' }).where('id', '=', id).execute();
    await sync([id]);
    assert.deepEqual(await find('walrus'), []);
    assert.deepEqual(await find('tusks'), []);
    assert.deepEqual(await find('narwhal horn'), [id]);
  });

  it('reindex adds missing videos, refreshes changed ones and drops entries of deleted videos', async () => {
    const missing = await insert({ title: 'quokka missing' });
    const changed = await add({ title: 'quokka before' });
    const deleted = await add({ title: 'quokka deleted' });
    await db.updateTable('video').set({ title: 'quokka after' }).where('id', '=', changed).execute();
    await db.deleteFrom('video').where('id', '=', deleted).execute();
    const report = await reindexVideos(db, index, { batchSize: 2 });
    assert.ok(report.videos >= 2 && report.removed >= 1, JSON.stringify(report));
    assert.deepEqual((await find('quokka')).sort(), [missing, changed].sort());
    assert.deepEqual(await find('before'), []);
    assert.deepEqual(await find('quokka after'), [changed]);
  });
}
