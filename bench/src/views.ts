/**
 * The `views` benchmark: view events/s through our counting path — dedupe marker (SET NX
 * with the window as TTL) and pending counter in the cache seam, one `countFirstSeen`
 * call per batch, written behind to SQL every second in one transaction — against the
 * naive design, one `UPDATE video SET view_count = view_count + 1` per view, in the same
 * run, on the embedded engines (SQLite + in-process cache) and on PostgreSQL + Redis.
 * Both sides serve the same stream of events (skewed over 1,000 videos, a fifth of them
 * repeats that dedupe drops) with the same number in flight; ours is timed until the last
 * view is in SQL (final flush included). The naive baseline does no dedupe at all, which
 * only flatters it.
 */
import { startTestPlatform, isReachable, testEngines, type EngineSet, type TestPlatform } from '@twin/platform/testing';
import { videoDb, type VideoDb } from '../../video/server/src/db.ts';
import type { AccountId, ChannelId, VideoId } from '../../video/server/src/ids.ts';
import { videoFeature } from '../../video/server/src/index.ts';
import { insertVideo, transition } from '../../video/server/src/videos/store.ts';
import { ViewCounter } from '../../video/server/src/views/view-counter.ts';
import { ViewWriteBehind } from '../../video/server/src/views/write-behind.ts';
import { seededRandom } from './seeded-random.ts';
import { median, printTable, writeReport } from './report.ts';

const VIDEOS = 1000;
/** Views in flight (concurrent beacons): a moderately and a heavily loaded API node. */
const IN_FLIGHT = [64, 256];
const FLUSH_INTERVAL_MS = 1000;
const REPEAT_SHARE = 0.2;

interface ViewEvent {
  videoId: VideoId;
  viewer: string;
}

/** `count` events over `videos`, popularity skewed like a power law, with REPEAT_SHARE repeats of earlier (video, viewer) pairs. */
function viewStream(videos: readonly VideoId[], count: number, seed: number): ViewEvent[] {
  const next = seededRandom(seed);
  const events: ViewEvent[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && next() < REPEAT_SHARE) events.push(events[Math.floor(next() * i)]!);
    else events.push({ videoId: videos[Math.floor(videos.length * next() ** 3)]!, viewer: `h${seed}-${i}` });
  }
  return events;
}

/** Runs `work` over the events with `inFlight` of them outstanding at any time, as concurrent requests would. */
async function drive(events: readonly ViewEvent[], inFlight: number, work: (e: ViewEvent) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < events.length) await work(events[next++]!);
    }),
  );
}

async function totalViews(db: VideoDb, videos: readonly VideoId[]): Promise<number> {
  const row = await db.selectFrom('video').select((eb) => eb.fn.sum<number | string>('view_count').as('n')).where('id', 'in', [...videos]).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function setup(engines: EngineSet): Promise<{ t: TestPlatform; videos: VideoId[] }> {
  // The feature's own flusher stays idle: the benchmark drives its own counter and write-behind.
  const t = await startTestPlatform(engines, { VIDEO_VIEW_FLUSH_INTERVAL: '1h', VIDEO_TRENDING_INTERVAL: '1h' }, { features: [videoFeature] });
  const signUp = await t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle: `bench${Date.now().toString(36)}`, password: 'correct horse battery' } });
  const accountId = JSON.parse(signUp.body).id as AccountId;
  const channelId = t.platform.ids.next() as ChannelId;
  const db = videoDb(t.platform);
  await db.insertInto('video_channel').values({ id: channelId, account_id: accountId, name: 'bench', description: '', created_at: Date.now() }).execute();
  const videos: VideoId[] = [];
  for (let i = 0; i < VIDEOS; i++) {
    const id = t.platform.ids.next() as VideoId;
    await insertVideo(db, { id, channelId, accountId, title: `v${i}`, description: '', tags: [], filename: 'v.mp4', visibility: 'public', sizeBytes: 1 });
    await transition(db, id, ['uploading'], 'ready');
    videos.push(id);
  }
  return { t, videos };
}

/** Ours: events/s from the first view to the last one committed in SQL. */
async function measureOurs(t: TestPlatform, videos: readonly VideoId[], events: readonly ViewEvent[], inFlight: number): Promise<{ rate: number; counted: number }> {
  const db = videoDb(t.platform);
  const before = await totalViews(db, videos);
  const counter = new ViewCounter(t.platform.cache, 3_600_000);
  const writeBehind = new ViewWriteBehind({ cache: t.platform.cache, db, counter, intervalMs: FLUSH_INTERVAL_MS, onError: (e) => console.error(e) });
  let counted = 0;
  const started = performance.now();
  writeBehind.start();
  await drive(events, inFlight, async (e) => {
    if (await counter.record(e.videoId, e.viewer, Date.now())) counted++;
  });
  await writeBehind.stop();
  const seconds = (performance.now() - started) / 1000;
  const written = (await totalViews(db, videos)) - before;
  if (written !== counted) throw new Error(`wrote ${written} views, counted ${counted}`);
  return { rate: events.length / seconds, counted };
}

/** Naive: one autocommitted UPDATE per view, no dedupe. */
async function measureNaive(t: TestPlatform, events: readonly ViewEvent[], inFlight: number): Promise<number> {
  const db = videoDb(t.platform);
  const started = performance.now();
  await drive(events, inFlight, (e) =>
    db
      .updateTable('video')
      .set((eb) => ({ view_count: eb('view_count', '+', 1) }))
      .where('id', '=', e.videoId)
      .execute(),
  );
  return events.length / ((performance.now() - started) / 1000);
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const runs = quick ? 1 : 3;
  const oursEvents = quick ? 50_000 : 300_000;
  const naiveEvents = quick ? 5_000 : 20_000;
  const sets: EngineSet[] = ['embedded'];
  if ((await isReachable(testEngines.postgres)) && (await isReachable(testEngines.redis)) && (await isReachable(testEngines.nats))) sets.push('distributed');

  console.log(`views: ${VIDEOS} videos, ${IN_FLIGHT.join(' and ')} events in flight, ${REPEAT_SHARE * 100} % repeats; ours ${oursEvents.toLocaleString('en-US')} events (flush every ${FLUSH_INTERVAL_MS} ms), naive ${naiveEvents.toLocaleString('en-US')}; ${runs} runs`);
  const metrics: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  const rows: Parameters<typeof printTable>[0] = [];
  let seed = 0;
  for (const engines of sets) {
    const { t, videos } = await setup(engines);
    try {
      for (const inFlight of IN_FLIGHT) {
        const label = `${engines === 'embedded' ? 'embedded' : 'postgres_redis'}_${inFlight}_in_flight`;
        const ours: number[] = [];
        const naive: number[] = [];
        const ratios: number[] = [];
        let counted = 0;
        for (let i = 0; i < runs; i++) {
          // Fresh viewers each run (another seed), so the dedupe markers of a previous run do not swallow them.
          const result = await measureOurs(t, videos, viewStream(videos, oursEvents, ++seed), inFlight);
          const naiveRate = await measureNaive(t, viewStream(videos, naiveEvents, ++seed), inFlight);
          ours.push(result.rate);
          naive.push(naiveRate);
          ratios.push(result.rate / naiveRate);
          counted = result.counted;
          console.log(`  ${label} run ${i + 1}: ours ${Math.round(result.rate).toLocaleString('en-US')} events/s (${result.counted.toLocaleString('en-US')} counted), naive ${Math.round(naiveRate).toLocaleString('en-US')} events/s`);
        }
        metrics[`${label}_events_per_s`] = median(ours);
        metrics[`${label}_counted_share`] = counted / oursEvents;
        baseline[`${label}_naive_update_events_per_s`] = median(naive);
        ratio[`${label}_vs_naive`] = median(ours) / median(naive);
        ratio[`${label}_vs_naive_median_of_runs`] = median(ratios);
        rows.push({ metric: `${label} view events/s`, ours: median(ours), baseline: median(naive), ratio: median(ours) / median(naive), unit: 'events/s' });
      }
    } finally {
      await t.close();
    }
  }
  printTable(rows);
  const path = writeReport({
    name: 'views',
    runs,
    metrics,
    baseline,
    ratio,
    notes: [
      `Ours: ViewCounter (countFirstSeen: SET NX dedupe marker with the window as TTL + ZINCRBY of the pending (video, hour) counter, one call per event-loop turn — one Lua script per 16 views toward Redis, so batches overlap) and ViewWriteBehind (ZPOPMAX drain, one transaction of one UPDATE … CASE + one bucket upsert per flush, every ${FLUSH_INTERVAL_MS} ms), timed from the first view to the final flush committed; the SQL total is checked against the views counted.`,
      `Naive baseline: one autocommitted UPDATE video SET view_count = view_count + 1 per view, no dedupe; same platform, same views in flight (${IN_FLIGHT.join(' or ')}), same skewed stream over ${VIDEOS} videos.`,
      'Figures move with other work on the machine (see loadAverage); the ratio, measured in the same run, is the figure to quote.',
      'Play-token verification (an HMAC) and HTTP are the same for both designs and left out.',
    ],
  });
  console.log(`wrote ${path}`);
}
