import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

await forEachEngineSet('Idempotency-Key on POST', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { RATE_LIMIT_LOGIN_BURST: '1000' });
  });
  after(() => t.close());

  const create = (key: string, handle: string) =>
    t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password: 'long enough pw' }, headers: { 'idempotency-key': key } });

  test('same key and body replays the stored response without doing the work twice', async () => {
    const first = await create('k-replay-1', 'idem_one');
    const second = await create('k-replay-1', 'idem_one');
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 201);
    assert.equal(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const accounts = await t.platform.sql.db.selectFrom('account').select('id').where('handle', '=', 'idem_one').execute();
    assert.equal(accounts.length, 1);
  });

  test('same key with a different body → 422 idempotency_key_reused', async () => {
    await create('k-reuse-1', 'idem_two');
    const response = await create('k-reuse-1', 'idem_three');
    assert.equal(response.statusCode, 422);
    assert.equal(json(response).error.code, 'idempotency_key_reused');
  });

  test('same key while the first is still running → 409 idempotency_request_in_flight', async () => {
    const [a, b] = await Promise.all([create('k-flight-1', 'idem_four'), create('k-flight-1', 'idem_four')]);
    const codes = [a.statusCode, b.statusCode].sort();
    assert.deepEqual(codes, [201, 409]);
    const loser = a.statusCode === 409 ? a : b;
    assert.equal(json(loser).error.code, 'idempotency_request_in_flight');
    assert.equal(json(loser).error.retryable, true);
  });

  test('an error response is replayed too, so a retried conflict stays a conflict', async () => {
    await create('k-first', 'idem_five');
    const conflict = await create('k-conflict', 'idem_five');
    const again = await create('k-conflict', 'idem_five');
    assert.equal(conflict.statusCode, 409);
    assert.equal(again.body, conflict.body);
  });

  test('a malformed key → 400 invalid_idempotency_key', async () => {
    const response = await create('has space', 'idem_six');
    assert.equal(response.statusCode, 400);
    assert.equal(json(response).error.code, 'invalid_idempotency_key');
  });

  test('without a key, POSTs behave normally', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle: 'idem_seven', password: 'long enough pw' } });
    assert.equal(response.statusCode, 201);
  });
});

await forEachEngineSet('Idempotency-Key expiry', (engines) => {
  test('an expired key no longer replays, and the sweep removes expired records', async () => {
    const t = await startTestPlatform(engines);
    try {
      const create = (handle: string) =>
        t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password: 'long enough pw' }, headers: { 'idempotency-key': 'k-expiry' } });
      assert.equal((await create('expiry_one')).statusCode, 201);
      const dayLater = Date.now() + 86_400_000 + 1000;
      assert.equal(await t.platform.idempotency.sweepExpired(dayLater - 2000), 0);
      assert.equal(await t.platform.idempotency.sweepExpired(dayLater), 1);
      // With the record gone, the same key runs the request afresh (a new body is not a reuse).
      assert.equal((await create('expiry_two')).statusCode, 201);
    } finally {
      await t.close();
    }
  });
});
