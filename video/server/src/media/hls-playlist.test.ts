import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMediaPlaylist, renderMasterPlaylist } from './hls-playlist.ts';

test('parses an fMP4 VOD media playlist: map, segments with durations, end list', () => {
  const playlist = parseMediaPlaylist(
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI="init.mp4"\n' +
      '#EXTINF:4.000000,\nseg-00000.m4s\n#EXTINF:2.500000,\nseg-00001.m4s\n#EXT-X-ENDLIST\n',
  );
  assert.deepEqual(playlist, {
    targetDuration: 4,
    map: 'init.mp4',
    segments: [{ uri: 'seg-00000.m4s', durationSec: 4 }, { uri: 'seg-00001.m4s', durationSec: 2.5 }],
    endList: true,
  });
});

test('refuses text that is not a playlist and a segment without EXTINF', () => {
  assert.throws(() => parseMediaPlaylist('hello'), /no #EXTM3U/);
  assert.throws(() => parseMediaPlaylist('#EXTM3U\nseg.m4s\n'), /no #EXTINF/);
});

test('renders a master playlist with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE per variant', () => {
  const text = renderMasterPlaylist([
    { uri: '720p/playlist.m3u8', bandwidth: 3_000_000.4, averageBandwidth: 2_500_000, width: 1280, height: 720, codecs: 'avc1.64001f,mp4a.40.2', frameRate: 29.97 },
    { uri: '240p/playlist.m3u8', bandwidth: 500_000, averageBandwidth: 400_000, width: 426, height: 240, codecs: 'avc1.640015' },
  ]);
  assert.equal(
    text,
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=3000001,AVERAGE-BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970\n720p/playlist.m3u8\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.640015"\n240p/playlist.m3u8\n',
  );
});
