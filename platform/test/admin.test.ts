import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Consumer } from '../src/bus/index.ts';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { waitFor } from '../src/testing/wait.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

await forEachEngineSet('admin: the dead-letter store', (engines) => {
  let t: TestPlatform;
  let adminToken: string;
  let userToken: string;
  let consumer: Consumer;
  let attempts = 0;
  let failing = true;
  const handled: string[] = [];

  before(async () => {
    t = await startTestPlatform(engines, { ADMIN_HANDLES: 'Root_Op', RATE_LIMIT_LOGIN_BURST: '100' });
    const token = async (handle: string) => {
      await t.app.inject({ method: 'POST', url: '/v1/accounts', payload: { handle, password: 'long enough pw' } });
      return json(await t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { handle, password: 'long enough pw' } })).accessToken as string;
    };
    [adminToken, userToken] = [await token('root_op'), await token('plain_user')];
    consumer = await t.platform.bus.consume({
      group: 'poison-test',
      subjects: ['test.poison'],
      maxDeliver: 2,
      ackTimeoutMs: 2_000,
      handler: (deliveries) => {
        attempts += deliveries.length;
        if (failing) throw new Error('cannot digest this');
        for (const d of deliveries) {
          handled.push(String(d.event.payload));
          d.ack();
        }
      },
    });
    await t.platform.bus.publish([{ type: 'test.poison', payload: 'p-1' }]);
    await waitFor('the dead letter', async () => (await t.platform.bus.countDeadLetters()) >= 1, 10_000);
  });
  after(async () => {
    await consumer.stop();
    await t.close();
  });

  const list = (token: string, query = '') => t.app.inject({ method: 'GET', url: `/v1/admin/dead-letters${query}`, headers: { authorization: `Bearer ${token}` } });

  test('an admin lists the poison event with its attempts and last error', async () => {
    const response = await list(adminToken);
    assert.equal(response.statusCode, 200, response.body);
    const body = json(response);
    assert.equal(body.total, 1);
    assert.equal(body.items[0].event.payload, 'p-1');
    assert.equal(body.items[0].attempts, 2);
    assert.match(body.items[0].lastError, /cannot digest this/);
    assert.equal(attempts, 2);
  });

  test('/metrics counts the dead letter', async () => {
    assert.match((await t.app.inject({ method: 'GET', url: '/metrics' })).body, /bus_dead_letters 1/);
  });

  test('a signed-in account that is not an admin gets 403 admin_only; no token gets 401', async () => {
    const forbidden = await list(userToken);
    assert.equal(forbidden.statusCode, 403);
    assert.equal(json(forbidden).error.code, 'admin_only');
    assert.equal((await t.app.inject({ method: 'GET', url: '/v1/admin/dead-letters' })).statusCode, 401);
  });

  test('a forged cursor gets 400 invalid_cursor and a bad limit 400 validation_failed', async () => {
    assert.equal(json(await list(adminToken, '?cursor=eyJ2IjoxfQ.AAAA')).error.code, 'invalid_cursor');
    assert.equal(json(await list(adminToken, '?limit=0')).error.code, 'validation_failed');
    assert.equal(json(await list(adminToken, '?limit=abc')).error.code, 'validation_failed');
  });

  test('retry delivers it again to its group, then it leaves the store; an unknown id is 404', async () => {
    const [letter] = json(await list(adminToken)).items;
    failing = false;
    const retry = await t.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${letter.id}/retry`, headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(retry.statusCode, 202, retry.body);
    await waitFor('the redelivery', () => handled.includes('p-1'), 10_000);
    assert.equal(json(await list(adminToken)).total, 0);
    const again = await t.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${letter.id}/retry`, headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(again.statusCode, 404);
  });
});
