import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { VideoId } from '../ids.ts';
import { checkToken, parsePlaybackPath, signedBase, signPrefix } from './signature.ts';

const SECRET = 'a-playback-secret-of-32-characters-x';
const id = '123456789012345678' as VideoId;

test('signs the prefix the way nginx secure_link_md5 "$expires/v/$video/ secret" hashes it', () => {
  const expected = createHash('md5').update(`1700000000/v/${id}/ ${SECRET}`).digest('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  assert.equal(signPrefix(SECRET, id, 1_700_000_000), expected);
  assert.equal(expected.length, 22);
  assert.equal(signedBase(SECRET, id, 1_700_000_000), `/v/${id}/1700000000/${expected}/`);
});

test('accepts its own token until the expiry second and refuses tampering, other videos and other secrets', () => {
  const sig = signPrefix(SECRET, id, 2_000);
  assert.equal(checkToken(SECRET, id, { expires: 2_000, sig }, 2_000), 'valid');
  assert.equal(checkToken(SECRET, id, { expires: 2_000, sig }, 2_001), 'expired');
  assert.equal(checkToken(SECRET, id, { expires: 2_001, sig }, 1_000), 'invalid');
  assert.equal(checkToken(SECRET, '123456789012345679' as VideoId, { expires: 2_000, sig }, 1_000), 'invalid');
  assert.equal(checkToken(`${SECRET}y`, id, { expires: 2_000, sig }, 1_000), 'invalid');
  const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
  assert.equal(checkToken(SECRET, id, { expires: 2_000, sig: flipped }, 1_000), 'invalid');
});

test('splits plain and signed paths, and refuses paths that cannot name a file', () => {
  const sig = signPrefix(SECRET, id, 99);
  assert.deepEqual(parsePlaybackPath(`${id}/hls/master.m3u8`), { videoId: id, file: 'hls/master.m3u8' });
  assert.deepEqual(parsePlaybackPath(`${id}/99/${sig}/hls/240p/seg-1.m4s`), { videoId: id, token: { expires: 99, sig }, file: 'hls/240p/seg-1.m4s' });
  assert.deepEqual(parsePlaybackPath(`${id}/99/${sig}/poster.jpg`), { videoId: id, token: { expires: 99, sig }, file: 'poster.jpg' });
  for (const bad of ['abc/hls/master.m3u8', `${id}/`, `${id}`, `${id}/hls//x`, `${id}/hls/../x`, `${id}/./x`, `${id}/99/${sig}/`, `${id}/a\\b`, '99999999999999999999/x']) {
    assert.equal(parsePlaybackPath(bad), null, bad);
  }
});
