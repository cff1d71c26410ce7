/**
 * The video origin as `npm start` runs it (ROLE=api, embedded engines, one pino line per
 * request written to /dev/null), holding one ready public video whose HLS folder has a
 * 2 MB segment and a 1 KB playlist in the blob store. The same bytes are written under
 * STATIC_DIR/v/{id}/hls/ for nginx to serve from disk. Prints one JSON line:
 * `{"port","videoId","secret","files":{"segment","playlist"},"playlistBytes"}`.
 */
// The runtime settings of the product's own entry point (app/src/main.ts).
import '@twin/platform/runtime-flags';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createPlatform, createPlatformApp, featureMigrations, loadConfig, loadFeatureSettings, startFeatures } from '@twin/platform';
import { videoDb } from '../../../video/server/src/db.ts';
import type { AccountId, ChannelId, VideoId } from '../../../video/server/src/ids.ts';
import { videoFeature } from '../../../video/server/src/index.ts';
import { insertVideo, transition } from '../../../video/server/src/videos/store.ts';

const SEGMENT = 'seg-1.m4s';
const PLAYLIST = 'playlist.m3u8';

const staticDir = process.env.STATIC_DIR;
if (!staticDir) throw new Error('STATIC_DIR is not set');
const secret = randomBytes(24).toString('base64url');
const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-origin-')), PORT: '0', LOG_LEVEL: 'info', ROLE: 'api', VIDEO_PLAYBACK_SECRET: secret };
const config = loadConfig(env);
const platform = await createPlatform(config, { logger: createLogger({ level: 'info', file: '/dev/null' }), migrations: featureMigrations([videoFeature]) });
const running = await startFeatures(platform, loadFeatureSettings([videoFeature], env));
const app = await createPlatformApp(platform);
await running.register(app);

// One public, ready video: an account and a channel through the API, the row written as the transcoder leaves it.
const handle = `bench${randomBytes(4).toString('hex')}`;
const account = (await app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password: 'correct horse battery' } })).json() as { id: AccountId };
const session = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle, password: 'correct horse battery' } })).json() as { accessToken: string };
const channel = (await app.inject({ method: 'POST', url: '/v1/channels', headers: { authorization: `Bearer ${session.accessToken}` }, payload: { name: 'bench' } })).json() as { id: ChannelId };
const db = videoDb(platform);
const id = platform.ids.next() as VideoId;
await insertVideo(db, { id, channelId: channel.id, accountId: account.id, title: 'bench', description: '', tags: [], filename: 'bench.mp4', visibility: 'public', sizeBytes: 1 });
await transition(db, id, ['uploading'], 'processing');
await transition(db, id, ['processing'], 'ready', { outputs: JSON.stringify({ master: `videos/${id}/hls/${PLAYLIST}`, rungs: [] }) });

// A 2 MB segment (random: incompressible, like video) and a 1 KB media playlist.
const segment = randomBytes(2_000_000);
const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MAP:URI="init.mp4"'];
for (let i = 1; lines.join('\n').length < 1000; i++) lines.push('#EXTINF:4.000000,', `seg-${i}.m4s`);
const playlist = Buffer.from(`${lines.join('\n')}\n#EXT-X-ENDLIST\n`);
await platform.blob.put(`videos/${id}/hls/${SEGMENT}`, segment, { contentType: 'video/iso.segment' });
await platform.blob.put(`videos/${id}/hls/${PLAYLIST}`, playlist, { contentType: 'application/vnd.apple.mpegurl' });
const dir = join(staticDir, 'v', id, 'hls');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, SEGMENT), segment);
writeFileSync(join(dir, PLAYLIST), playlist);

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, videoId: id, secret, files: { segment: SEGMENT, playlist: PLAYLIST }, playlistBytes: playlist.length })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await running.stop();
  await platform.close();
  process.exit(0);
});
