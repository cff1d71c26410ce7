import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sniffContainer } from './sniff.ts';

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

test('recognises the container families by their magic bytes', () => {
  assert.equal(sniffContainer(bytes([0, 0, 0, 0x20], 'ftypisom')), 'mp4');
  assert.equal(sniffContainer(bytes([0, 0, 0, 0x08], 'wide')), 'mp4');
  assert.equal(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f])), 'matroska');
  assert.equal(sniffContainer(bytes('RIFF', [1, 2, 3, 4], 'AVI LIST')), 'avi');
  assert.equal(sniffContainer(bytes('FLV', [1, 5])), 'flv');
  assert.equal(sniffContainer(bytes('OggS', [0])), 'ogg');
  assert.equal(sniffContainer(bytes([0, 0, 1, 0xba, 0x44])), 'mpeg-ps');
});

test('recognises MPEG-TS by sync bytes every 188 bytes and M2TS every 192', () => {
  const ts = new Uint8Array(600);
  ts[0] = ts[188] = ts[376] = 0x47;
  assert.equal(sniffContainer(ts), 'mpegts');
  const m2ts = new Uint8Array(600);
  m2ts[4] = m2ts[196] = m2ts[388] = 0x47;
  assert.equal(sniffContainer(m2ts), 'mpegts');
  const single = new Uint8Array(600);
  single[0] = 0x47;
  assert.equal(sniffContainer(single), undefined);
});

test('refuses anything else: RIFF WAVE, PNG, PDF, too few bytes', () => {
  assert.equal(sniffContainer(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')), undefined);
  assert.equal(sniffContainer(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a])), undefined);
  assert.equal(sniffContainer(bytes('%PDF-1.7')), undefined);
  assert.equal(sniffContainer(new Uint8Array(0)), undefined);
  assert.equal(sniffContainer(bytes([0, 0, 0])), undefined);
});
