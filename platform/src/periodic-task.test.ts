import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeriodicTask } from './periodic-task.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('never overlaps runs: ticks during a long run are skipped and run() joins it', async () => {
  let active = 0;
  let most = 0;
  let runs = 0;
  const task = new PeriodicTask({
    intervalMs: 5,
    run: async () => {
      runs++;
      most = Math.max(most, ++active);
      await sleep(40);
      active--;
      return runs;
    },
    onError: (error) => assert.fail(String(error)),
  }).start({ immediately: true });
  const joined = await Promise.all([task.run(), task.run()]);
  assert.equal(joined[0], joined[1], 'both callers got the run in progress');
  await sleep(60);
  await task.stop();
  assert.equal(most, 1);
  assert.equal(active, 0, 'stop waited for the run in progress');
});

test('a failed run is reported and the next tick runs again; stop ends the ticks', async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const task = new PeriodicTask({
    intervalMs: 5,
    run: async () => {
      runs++;
      throw new Error(`run ${runs}`);
    },
    onError: (error) => errors.push(error),
  }).start();
  while (runs < 2) await sleep(5); // ran again after failing
  await task.stop();
  assert.equal(errors.length, runs);
  const after = runs;
  await sleep(30);
  assert.equal(runs, after);
  await assert.rejects(task.run(), /run/);
});
