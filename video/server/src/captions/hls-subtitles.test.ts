import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subtitlePlaylist, withSubtitles } from './hls-subtitles.ts';

const master = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=25.000',
  '360p/playlist.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=400000,AVERAGE-BANDWIDTH=350000,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2",FRAME-RATE=25.000',
  '240p/playlist.m3u8',
  '',
].join('\n');

test('adds one SUBTITLES group before the variants and references it from every variant', () => {
  const out = withSubtitles(master, [
    { lang: 'en', label: 'English', uri: 'captions/en-1.m3u8' },
    { lang: 'pt-BR', label: 'português (Brasil)', uri: 'captions/pt-BR-2.m3u8' },
  ]);
  assert.equal(
    out,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="captions/en-1.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="português (Brasil)",LANGUAGE="pt-BR",DEFAULT=NO,AUTOSELECT=YES,URI="captions/pt-BR-2.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=25.000,SUBTITLES="subs"',
      '360p/playlist.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=400000,AVERAGE-BANDWIDTH=350000,RESOLUTION=426x240,CODECS="avc1.640015,mp4a.40.2",FRAME-RATE=25.000,SUBTITLES="subs"',
      '240p/playlist.m3u8',
      '',
    ].join('\n'),
  );
});

test('rewriting is idempotent, and no track gives back the master exactly', () => {
  const one = withSubtitles(master, [{ lang: 'en', label: 'English', uri: 'captions/en-1.m3u8' }]);
  assert.equal(withSubtitles(one, [{ lang: 'en', label: 'English', uri: 'captions/en-1.m3u8' }]), one);
  assert.equal(withSubtitles(one, []), master);
  assert.equal(withSubtitles(master, []), master);
});

test('quotes cannot break out of an attribute', () => {
  const out = withSubtitles(master, [{ lang: 'en', label: 'Eng"lish\nX', uri: 'captions/en-1.m3u8' }]);
  assert.match(out, /NAME="EnglishX"/);
});

test('the subtitle playlist is one VOD segment spanning the video', () => {
  assert.equal(
    subtitlePlaylist('en-1.vtt', 12.345),
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:13\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:12.345,\nen-1.vtt\n#EXT-X-ENDLIST\n',
  );
});
