import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../index.ts';
import { member, TEST_ENV } from '../../test/core-helpers.ts';
import { claimOneTime, countKeyPackages, insertKeyPackages, type MlsDb } from './store.ts';

forEachEngineSet('MLS key package claims in SQL', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  // Through HTTP the claims rarely collide inside the DELETE; here 20 statements race on one
  // pool. Without SKIP LOCKED a PostgreSQL claimer that waited on a row another one deleted
  // comes back empty-handed while packages are left (seen here: 1 missed in 5 rounds).
  test('20 claim statements at once take every one of 5 packages, each once, round after round', async () => {
    const { device } = await member(t, 'claim');
    const db = t.platform.sql.db as MlsDb;
    const skipLocked = t.platform.sql.capabilities.supportsSkipLocked;
    for (let round = 0; round < 5; round++) {
      const rows = Array.from({ length: 5 }, (_, i) => ({ id: t.platform.ids.next(), device_id: device.deviceId, ref: `${device.deviceId}-${round}-${i}`, body: Uint8Array.of(round, i), last_resort: 0, created_at: 0 }));
      assert.equal(await insertKeyPackages(db, rows), 5);
      const claimed = (await Promise.all(Array.from({ length: 20 }, () => claimOneTime(db, device.deviceId, skipLocked)))).filter((body) => body !== undefined);
      assert.equal(claimed.length, 5, `round ${round}`);
      assert.equal(new Set(claimed.map((body) => Buffer.from(body!).toString('hex'))).size, 5);
      assert.deepEqual(await countKeyPackages(db, device.deviceId), { available: 0, lastResort: false });
    }
  });
});
