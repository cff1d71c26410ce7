import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../src/testing/test-platform.ts';
import { forEachEngineSet, json } from '../src/testing/engine-sets.ts';

await forEachEngineSet('accounts and sessions', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { RATE_LIMIT_LOGIN_BURST: '1000' });
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, token?: string) =>
    t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });
  const signUp = (handle: string, password = 'correct horse battery') => call('POST', '/v1/accounts', { handle, password });
  const signIn = (handle: string, password = 'correct horse battery') => call('POST', '/v1/sessions', { handle, password });

  test('creates an account with 201 and refuses its handle again in any case with 409 handle_taken', async () => {
    const created = await signUp('Ada_Lovelace');
    assert.equal(created.statusCode, 201, created.body);
    assert.match(json(created).id, /^\d{15,20}$/);
    assert.equal(json(created).handle, 'Ada_Lovelace');
    const again = await signUp('ada_lovelace');
    assert.equal(again.statusCode, 409);
    assert.equal(json(again).error.code, 'handle_taken');
  });

  test('enforces handle and password rules with 400 validation_failed', async () => {
    for (const body of [{ handle: 'x', password: 'long enough' }, { handle: 'ab..cd', password: 'long enough' }, { handle: '9lives', password: 'long enough' }, { handle: 'short_pw', password: 'short' }]) {
      const response = await call('POST', '/v1/accounts', body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal(json(response).error.code, 'validation_failed');
    }
  });

  test('signs in and the access token authorises; signing out revokes it at once', async () => {
    await signUp('grace_h');
    const session = await signIn('GRACE_H');
    assert.equal(session.statusCode, 201, session.body);
    const { accessToken, refreshToken, expiresIn } = json(session);
    assert.equal(expiresIn, 900);
    assert.match(refreshToken, /^\d+\.[A-Za-z0-9_-]{43}$/);
    const out = await call('DELETE', '/v1/sessions/current', undefined, accessToken);
    assert.equal(out.statusCode, 204);
    const again = await call('DELETE', '/v1/sessions/current', undefined, accessToken);
    assert.equal(again.statusCode, 401);
    assert.equal(json(again).error.code, 'unauthorized');
    const refreshed = await call('POST', '/v1/sessions/refresh', { refreshToken });
    assert.equal(refreshed.statusCode, 401);
  });

  test('finds an account by handle in any case or by id for a signed-in caller; unknown → 404, anonymous → 401', async () => {
    const created = json(await signUp('Lin_Lookup'));
    const { accessToken } = json(await signIn('lin_lookup'));
    const byHandle = await call('GET', '/v1/accounts/by-handle/LIN_LOOKUP', undefined, accessToken);
    assert.equal(byHandle.statusCode, 200, byHandle.body);
    assert.deepEqual(json(byHandle), { id: created.id, handle: 'Lin_Lookup', createdAt: created.createdAt });
    const byId = await call('GET', `/v1/accounts/${created.id}`, undefined, accessToken);
    assert.deepEqual(json(byId), json(byHandle));
    const unknown = await call('GET', '/v1/accounts/by-handle/nobody_at_all', undefined, accessToken);
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'not_found');
    assert.equal((await call('GET', '/v1/accounts/123', undefined, accessToken)).statusCode, 404);
    assert.equal((await call('GET', '/v1/accounts/by-handle/lin_lookup')).statusCode, 401);
  });

  test('wrong password and unknown handle give the same 401 after the same scrypt work', async () => {
    await signUp('alan_t');
    const crypto = await import('node:crypto');
    const { syncBuiltinESMExports } = await import('node:module');
    await signIn('nobody_here', 'warm the decoy hash');
    const scrypt = mock.method(crypto.default, 'scrypt');
    syncBuiltinESMExports();
    try {
      const wrongPassword = await signIn('alan_t', 'not the password');
      const callsForKnown = scrypt.mock.callCount();
      const unknownHandle = await signIn('nobody_here', 'not the password');
      const callsForUnknown = scrypt.mock.callCount() - callsForKnown;
      assert.equal(callsForKnown, 1);
      assert.equal(callsForUnknown, 1);
      for (const response of [wrongPassword, unknownHandle]) {
        assert.equal(response.statusCode, 401);
        assert.equal(json(response).error.code, 'invalid_credentials');
      }
      assert.equal(json(wrongPassword).error.message, json(unknownHandle).error.message);
    } finally {
      scrypt.mock.restore();
      syncBuiltinESMExports();
    }
  });

  test('refresh rotates the token; the new one works and the old one is single-use', async () => {
    await signUp('barbara_l');
    const first = json(await signIn('barbara_l'));
    const second = await call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken });
    assert.equal(second.statusCode, 200, second.body);
    assert.notEqual(json(second).refreshToken, first.refreshToken);
    const third = await call('POST', '/v1/sessions/refresh', { refreshToken: json(second).refreshToken });
    assert.equal(third.statusCode, 200);
  });

  test('reusing a rotated refresh token revokes the whole session family', async () => {
    await signUp('mallory_x');
    const first = json(await signIn('mallory_x'));
    const rotated = json(await call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken }));
    const replay = await call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken });
    assert.equal(replay.statusCode, 401);
    assert.equal(json(replay).error.code, 'refresh_token_reused');
    // The legitimate holder's newer tokens die with the family.
    const newer = await call('POST', '/v1/sessions/refresh', { refreshToken: rotated.refreshToken });
    assert.equal(newer.statusCode, 401);
    const access = await call('DELETE', '/v1/sessions/current', undefined, rotated.accessToken);
    assert.equal(access.statusCode, 401);
  });

  test('two concurrent refreshes with one token: one wins, the session is revoked as reuse', async () => {
    await signUp('racer_one');
    const first = json(await signIn('racer_one'));
    const results = await Promise.all([1, 2].map(() => call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken })));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 401]);
  });

  test('forged and malformed refresh tokens get 401 invalid_refresh_token', async () => {
    await signUp('forger_x');
    const { refreshToken } = json(await signIn('forger_x'));
    const [id] = refreshToken.split('.');
    for (const bad of [`${id}.${'A'.repeat(43)}`, 'garbage', `${id}`, `999.${'A'.repeat(43)}`, `${refreshToken}.x`]) {
      const response = await call('POST', '/v1/sessions/refresh', { refreshToken: bad });
      assert.equal(response.statusCode, 401, bad);
      assert.equal(json(response).error.code, 'invalid_refresh_token');
    }
  });

  test('an expired access token gets 401 token_expired and an expired refresh token 401 invalid_refresh_token', async () => {
    await signUp('timey_w');
    const { accessToken, refreshToken } = json(await signIn('timey_w'));
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 31 * 24 * 3600 * 1000 });
    try {
      const access = await call('DELETE', '/v1/sessions/current', undefined, accessToken);
      assert.equal(access.statusCode, 401);
      assert.equal(json(access).error.code, 'token_expired');
      const refresh = await call('POST', '/v1/sessions/refresh', { refreshToken });
      assert.equal(refresh.statusCode, 401);
      assert.equal(json(refresh).error.code, 'invalid_refresh_token');
    } finally {
      mock.timers.reset();
    }
  });

  test('protected routes refuse a missing, malformed or foreign token with 401', async () => {
    const missing = await call('DELETE', '/v1/sessions/current');
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    const malformed = await t.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { authorization: 'Basic abc' } });
    assert.equal(malformed.statusCode, 401);
    const forged = await call('DELETE', '/v1/sessions/current', undefined, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.');
    assert.equal(forged.statusCode, 401);
  });

  test('stores the refresh token only as a hash', async () => {
    await signUp('hashed_only');
    const { refreshToken } = json(await signIn('hashed_only'));
    const [, secret] = refreshToken.split('.');
    const rows = await t.platform.sql.db.selectFrom('refresh_token').select('token_hash').execute();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r: { token_hash: string }) => !r.token_hash.includes(secret)));
  });
});
