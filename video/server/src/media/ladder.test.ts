import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planLadder } from './ladder.ts';

test('a 1080p source gets five rungs, top to bottom, at 16:9', () => {
  const rungs = planLadder({ width: 1920, height: 1080 });
  assert.deepEqual(
    rungs.map((r) => `${r.name}=${r.width}x${r.height}`),
    ['1080p=1920x1080', '720p=1280x720', '480p=854x480', '360p=640x360', '240p=426x240'],
  );
  for (const r of rungs) {
    assert.ok(r.maxrateKbps > r.videoKbps && r.bufsizeKbps >= r.maxrateKbps, `${r.name} rate control`);
    assert.ok(r.audioKbps > 0);
  }
});

test('a 360p source gets two rungs and is never upscaled', () => {
  assert.deepEqual(planLadder({ width: 640, height: 360 }).map((r) => r.name), ['360p', '240p']);
  assert.deepEqual(planLadder({ width: 1280, height: 719 }).map((r) => r.name), ['480p', '360p', '240p']);
});

test('a 4K source tops out at 1080p', () => {
  assert.equal(planLadder({ width: 3840, height: 2160 })[0]?.name, '1080p');
});

test('a portrait source keeps its orientation with the short side naming the rung', () => {
  const rungs = planLadder({ width: 1080, height: 1920 });
  assert.deepEqual(rungs.slice(0, 2).map((r) => `${r.width}x${r.height}`), ['1080x1920', '720x1280']);
});

test('every dimension is even and the aspect ratio is kept within a pixel', () => {
  for (const source of [{ width: 1440, height: 1080 }, { width: 1998, height: 1080 }, { width: 721, height: 481 }]) {
    for (const r of planLadder(source)) {
      assert.equal(r.width % 2, 0);
      assert.equal(r.height % 2, 0);
      assert.ok(Math.abs(r.width - (r.height * source.width) / source.height) <= 2, `${r.name} of ${source.width}x${source.height}`);
    }
  }
});

test('a source below 240 gets one rung at its own even size', () => {
  assert.deepEqual(planLadder({ width: 321, height: 181 }).map((r) => `${r.name}=${r.width}x${r.height}`), ['180p=320x180']);
});
