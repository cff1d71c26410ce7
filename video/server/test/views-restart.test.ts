/**
 * The write-behind across real server processes (fixtures/node-process.ts), on the
 * embedded engines and on PostgreSQL + Redis + NATS: the flush timer writes views within
 * its interval; a SIGKILL loses only the views not yet flushed — on the embedded engines
 * they die with the process, with Redis the pending counters outlive it and the next
 * process writes them — and a graceful stop (SIGTERM) writes every counted view although
 * the flush interval is an hour.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSqlEngine, type SqlEngine } from '@twin/platform/sql';
import { skipUnlessReachable, testEngines, waitFor } from '@twin/platform/testing';
import type { VideoDb } from '../src/db.ts';
import type { AccountId, ChannelId, VideoId } from '../src/ids.ts';
import { insertVideo, transition } from '../src/videos/store.ts';
import { processEngines, type ProcessEngines } from './process-engines.ts';
import type { ServerProcess } from './server-process.ts';

const missing = (await Promise.all((['postgres', 'redis', 'nats'] as const).map((e) => skipUnlessReachable(e)))).find(Boolean) ?? false;

for (const engines of ['embedded', 'distributed'] as const) {
  describe(`view write-behind across process restarts (${engines === 'embedded' ? 'embedded engines' : 'postgres + redis + nats'}, real processes)`, { skip: engines === 'distributed' && missing }, () => {
    let processes: ProcessEngines;
    let server: ServerProcess | undefined;
    let sql: SqlEngine;
    let videoId: VideoId;
    let viewer = 0;
    const startServer = (flushInterval: string) => processes.start({ VIDEO_VIEW_MIN_WATCH: '0ms', VIDEO_VIEW_FLUSH_INTERVAL: flushInterval });
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${server!.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    /** `count` anonymous views from distinct players; resolves once each beacon was answered `counted`. */
    const views = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const started = await post(`/v1/videos/${videoId}/views/start`, { anonymousId: `player-${viewer++}` });
        assert.equal(started.status, 200, JSON.stringify(started.body));
        assert.equal((await post(`/v1/videos/${videoId}/views`, { playToken: started.body.playToken, watchedSeconds: 1 })).body.outcome, 'counted');
      }
    };
    const stored = async () =>
      Number((await (sql.db as VideoDb).selectFrom('video').select('view_count').where('id', '=', videoId).executeTakeFirstOrThrow()).view_count);

    before(async () => {
      processes = await processEngines(engines);
      server = await startServer('200ms');
      sql = createSqlEngine({ databaseUrl: processes.namespace ? testEngines.postgres : undefined, sqliteFile: join(processes.dataDir, 'db', 'twin.sqlite'), schema: processes.namespace });
      const handle = `u${randomBytes(5).toString('hex')}`;
      assert.equal((await post('/v1/accounts', { handle, password: 'correct horse battery' })).status, 201);
      const { accessToken, accountId } = (await post('/v1/sessions', { handle, password: 'correct horse battery' })).body;
      const channelId = (await post('/v1/channels', { name: 'c' }, accessToken)).body.id as ChannelId;
      videoId = String((BigInt(Date.now()) << 22n) + BigInt(randomBytes(2).readUInt16BE())) as VideoId;
      const db = sql.db as VideoDb;
      await insertVideo(db, { id: videoId, channelId, accountId: accountId as AccountId, title: 'v', description: '', tags: [], filename: 'v.mp4', visibility: 'public', sizeBytes: 1 });
      await transition(db, videoId, ['uploading'], 'ready', { duration_sec: 600, outputs: JSON.stringify({ master: `videos/${videoId}/hls/master.m3u8` }) });
    });
    after(async () => {
      await server?.kill('SIGKILL');
      await sql?.close();
      await processes?.close();
    });

    test('a SIGKILL loses only the views not flushed yet; a graceful stop loses none', async () => {
      await views(20);
      await waitFor('the 200 ms flush to write 20 views', async () => (await stored()) === 20, 10_000);
      await server!.kill('SIGTERM');

      // An hour-long interval: no flush runs before the kill, so exactly the 15 views are pending.
      server = await startServer('1h');
      await views(15);
      await server.kill('SIGKILL');
      assert.equal(await stored(), 20, 'nothing of the killed process reached SQL');

      server = await startServer('1h');
      await views(10);
      await server.kill('SIGTERM');
      server = undefined;
      // Embedded: the 15 died with the killed process's memory, a loss bounded by one flush interval.
      // Redis: they outlived it, and the next process wrote them with its own at shutdown.
      assert.equal(await stored(), engines === 'embedded' ? 30 : 45);
    });
  });
}

