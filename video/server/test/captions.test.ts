/**
 * Captions on both engine sets, on a real HLS output (a 2 s clip through the project's
 * ladder transcode, stored in the blob seam): uploads per language land in the blob store
 * with their subtitle playlists, the stored master gains a SUBTITLES group that ffprobe
 * accepts (and loses it with the last caption, byte for byte), replaced files go away,
 * bad files get their precise 400, and only the owner may change captions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { videoFeature } from '../src/index.ts';
import { planLadder, transcodeHlsLadder } from '../src/media/index.ts';
import { generateSource } from '../src/media/test-sources.ts';
import { downloadPrefix, uploadDirectory } from '../src/transcode/blob-files.ts';
import { bearer, insertReadyVideo, masterKey, owner, type Owner } from './views-fixtures.ts';

const run = promisify(execFile);
const EN = 'WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n\n00:01.000 --> 00:02.000\nWorld\n';
const FR = 'WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour\n';

let scratch: string;
let hlsDir: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'captions-test-'));
  const source = await generateSource(scratch, { width: 426, height: 240, durationSec: 2 });
  hlsDir = join(scratch, 'hls');
  await transcodeHlsLadder({ input: source, outDir: hlsDir, rungs: planLadder({ width: 426, height: 240 }), segmentSeconds: 1, durationSec: 2, hasAudio: true, preset: 'ultrafast' });
});
after(() => rm(scratch, { recursive: true, force: true }));

await forEachEngineSet('captions', (engines) => {
  let t: TestPlatform;
  let alice: Owner;
  let bob: Owner;
  before(async () => {
    t = await startTestPlatform(engines, { VIDEO_CAPTION_MAX_BYTES: '2KiB', VIDEO_TRENDING_INTERVAL: '1h' }, { features: [videoFeature] });
    [alice, bob] = await Promise.all([owner(t), owner(t)]);
  });
  after(() => t.close());

  /** A ready video whose HLS output (master + 240p rung) is the real one made above. */
  const videoWithHls = async (visibility: 'public' | 'private' = 'public') => {
    const id = await insertReadyVideo(t, alice, { visibility, durationSec: 2 });
    await uploadDirectory(t.platform.blob, hlsDir, `videos/${id}/hls/`);
    return id;
  };
  const put = (id: string, lang: string, body: string | Buffer, o: { token?: string; type?: string; label?: string } = {}) =>
    t.app.inject({
      method: 'PUT',
      url: `/v1/videos/${id}/captions/${lang}${o.label ? `?label=${encodeURIComponent(o.label)}` : ''}`,
      headers: { ...bearer(o.token ?? alice.token), 'content-type': o.type ?? 'text/vtt' },
      payload: body,
    });
  const del = (id: string, lang: string, token = alice.token) => t.app.inject({ method: 'DELETE', url: `/v1/videos/${id}/captions/${lang}`, headers: bearer(token) });
  const blobText = async (key: string) => text((await t.platform.blob.get(key)).body);
  const master = (id: string) => blobText(masterKey(id));
  const exists = async (path: string) => (await t.platform.blob.head(path.replace(/^\/v\//, 'videos/'))) !== null;

  test('captions become a SUBTITLES group of the stored master that ffprobe accepts, and leave it with the last one', async () => {
    const id = await videoWithHls();
    const original = await master(id);

    const en = await put(id, 'en', EN);
    assert.equal(en.statusCode, 201, en.body);
    const enBody = json(en);
    assert.equal(enBody.lang, 'en');
    assert.equal(enBody.label, 'English');
    assert.equal(enBody.cues, 2);
    assert.match(enBody.vtt, new RegExp(`^/v/${id}/hls/captions/en-\\d+\\.vtt$`));
    assert.equal(await blobText(enBody.vtt.replace(/^\/v\//, 'videos/')), EN);
    assert.equal(json(await put(id, 'pt-br', FR, { label: 'Português' })).lang, 'pt-BR');

    const withTwo = await master(id);
    const lines = withTwo.split('\n');
    const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    assert.equal(media.length, 2);
    assert.match(media[0]!, /^#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="captions\/en-\d+\.m3u8"$/);
    assert.match(media[1]!, /NAME="Português",LANGUAGE="pt-BR"/);
    const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    assert.ok(variants.length > 0 && variants.every((v) => v.endsWith(',SUBTITLES="subs"')));
    for (const m of media) assert.ok(await exists(`videos/${id}/hls/${/URI="([^"]+)"/.exec(m)![1]}`), m);

    // ffprobe reads the master from a copy of the video's blobs: it must parse, keep its
    // streams, and see the subtitle rendition (ffmpeg 5.1's HLS demuxer names it and skips
    // it: it plays no subtitle groups); the subtitle playlist itself opens as WebVTT.
    const copy = join(scratch, `probe-${engines}`);
    await downloadPrefix(t.platform.blob, `videos/${id}/hls/`, copy);
    const probe = await run('ffprobe', ['-v', 'debug', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', join(copy, 'master.m3u8')]);
    assert.deepEqual([...new Set(probe.stdout.split('\n').filter(Boolean))].sort(), ['audio', 'video']);
    assert.match(probe.stderr, /subtitle\(uri: captions\/en-\d+\.m3u8\)/);
    const enPlaylist = /URI="(captions\/en-\d+\.m3u8)"/.exec(withTwo)![1]!;
    const subs = await run('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_name,nb_read_packets', '-of', 'csv=p=0', join(copy, enPlaylist)]);
    assert.deepEqual([...new Set(subs.stdout.split('\n').filter(Boolean))], ['webvtt,2']);

    const listed = json(await t.app.inject({ method: 'GET', url: `/v1/videos/${id}/captions` })).items;
    assert.deepEqual(listed.map((c: any) => c.lang), ['en', 'pt-BR']);

    assert.equal((await del(id, 'pt-BR')).statusCode, 204);
    assert.equal((await master(id)).split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:')).length, 1);
    assert.equal((await del(id, 'en')).statusCode, 204);
    assert.equal(await master(id), original, 'without captions the master is the transcoder’s again');
    assert.equal(await exists(enBody.vtt), false);
    assert.deepEqual(json(await t.app.inject({ method: 'GET', url: `/v1/videos/${id}/captions` })).items, []);
  });

  test('replacing a caption writes new file names and removes the old files', async () => {
    const id = await videoWithHls();
    const first = json(await put(id, 'en', EN));
    const second = await put(id, 'en', FR);
    assert.equal(second.statusCode, 200);
    const replaced = json(second);
    assert.notEqual(replaced.vtt, first.vtt);
    assert.equal(replaced.createdAt, first.createdAt);
    assert.equal(await exists(first.vtt), false);
    assert.equal(await exists(first.playlist), false);
    assert.equal(await exists(replaced.playlist), true);
    assert.ok((await master(id)).includes(replaced.playlist.split('/hls/')[1]));
  });

  test('bad files are 400 with a precise code; too big is 413; not text/vtt is 415', async () => {
    const id = await videoWithHls();
    const cases: Array<[string | Buffer, string]> = [
      [Buffer.from([0x57, 0x45, 0x42, 0x56, 0x54, 0x54, 0x0a, 0xff]), 'caption_bad_encoding'],
      ['1\n00:00.000 --> 00:01.000\nHello\n', 'caption_bad_header'],
      ['WEBVTT\n\n00:00.000 -> 00:01.000\nHello\n', 'caption_bad_timing'],
      ['WEBVTT\n\n00:03.000 --> 00:01.000\nHello\n', 'caption_bad_timing'],
      ['WEBVTT\n\nNOTE nothing else\n', 'caption_no_cues'],
    ];
    for (const [body, code] of cases) {
      const res = await put(id, 'en', body);
      assert.equal(res.statusCode, 400, code);
      assert.equal(json(res).error.code, code);
    }
    assert.deepEqual(json(await put(id, 'en', 'WEBVTT\n\n00:00.000 --> 00:01.000\nok\n\n00:01.000 --> 00:01.500\nok\n\n00:00.500 --> 00:02.000\nlate\n')).error.details, { line: 9, text: '00:00.500 --> 00:02.000' });
    assert.equal(json(await put(id, 'en', `${EN}\n${'x'.repeat(3000)}\n`)).error.code, 'payload_too_large');
    assert.equal(json(await put(id, 'en', EN, { type: 'text/plain' })).error.code, 'unsupported_media_type');
    assert.equal(json(await put(id, 'english_US', EN)).error.code, 'invalid_language');
    assert.equal(json(await put(id, 'en', EN, { label: 'a"b' })).error.code, 'validation_failed');
    assert.equal(await master(id).then((m) => m.includes('SUBTITLES')), false, 'nothing bad reached the master');
  });

  test('only the owner changes captions; unknown ids and others’ private videos are 404; unfinished videos 409', async () => {
    const id = await videoWithHls();
    assert.equal((await put(id, 'en', EN, { token: bob.token })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'PUT', url: `/v1/videos/${id}/captions/en`, headers: { 'content-type': 'text/vtt' }, payload: EN })).statusCode, 401);
    assert.equal(json(await put('123', 'en', EN)).error.code, 'video_not_found');
    assert.equal(json(await del(id, 'en')).error.code, 'caption_not_found');
    await put(id, 'en', EN);
    assert.equal((await del(id, 'en', bob.token)).statusCode, 404);

    const secret = await videoWithHls('private');
    await put(secret, 'en', EN);
    assert.equal((await t.app.inject({ method: 'GET', url: `/v1/videos/${secret}/captions`, headers: bearer(bob.token) })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: `/v1/videos/${secret}/captions` })).statusCode, 404);
    assert.equal(json(await t.app.inject({ method: 'GET', url: `/v1/videos/${secret}/captions`, headers: bearer(alice.token) })).items.length, 1);

    const processing = await insertReadyVideo(t, alice, { ready: false });
    assert.equal(json(await put(processing, 'en', EN)).error.code, 'video_not_ready');
  });

  test('concurrent uploads of several languages all end up in the master', async () => {
    const id = await videoWithHls();
    const langs = ['en', 'fr', 'de', 'es', 'it'];
    const results = await Promise.all(langs.map((lang) => put(id, lang, EN)));
    assert.deepEqual(results.map((r) => r.statusCode), [201, 201, 201, 201, 201]);
    const media = (await master(id)).split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    assert.deepEqual(media.map((l) => /LANGUAGE="([^"]+)"/.exec(l)![1]).sort(), [...langs].sort());
  });
});
