import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { bearer, member, send, TEST_ENV } from './core-helpers.ts';

forEachEngineSet('chat conversations over HTTP', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, { ...TEST_ENV, CHAT_GROUP_MAX_MEMBERS: '4' }, { features: [chatFeature] });
  });
  after(() => t.close());

  const post = (token: string, url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: bearer(token), payload });

  test('creating a direct conversation again returns the same one with 200, from either side', async () => {
    const a = await member(t);
    const b = await member(t);
    const first = await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: b.account.accountId });
    assert.equal(first.statusCode, 201, first.body);
    const again = await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: b.account.accountId });
    assert.equal(again.statusCode, 200);
    const mirrored = await post(b.device.token, '/v1/conversations', { type: 'direct', accountId: a.account.accountId });
    assert.equal(json(again).id, json(first).id);
    assert.equal(json(mirrored).id, json(first).id);
    assert.deepEqual(json(first).members.map((m: { accountId: string }) => m.accountId).sort(), [a.account.accountId, b.account.accountId].sort());
  });

  test('concurrent creations of one direct conversation yield one conversation', async () => {
    const a = await member(t);
    const b = await member(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0 ? post(a.device.token, '/v1/conversations', { type: 'direct', accountId: b.account.accountId }) : post(b.device.token, '/v1/conversations', { type: 'direct', accountId: a.account.accountId }),
      ),
    );
    assert.ok(results.every((r) => r.statusCode === 200 || r.statusCode === 201), results.map((r) => r.body).join('\n'));
    assert.equal(new Set(results.map((r) => json(r).id)).size, 1);
    assert.equal(results.filter((r) => r.statusCode === 201).length, 1);
  });

  test('a direct conversation with oneself or an unknown account is refused', async () => {
    const a = await member(t);
    const self = await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: a.account.accountId });
    assert.equal(self.statusCode, 400);
    assert.equal(json(self).error.code, 'direct_with_self');
    const unknown = await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: '123456789' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'account_not_found');
  });

  test('group admin rules: the creator is admin, members cannot manage, admins add, promote and remove, anyone leaves', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const carol = await member(t);
    const dave = await member(t);
    const created = await post(admin.device.token, '/v1/conversations', { type: 'group', title: 'Team', memberAccountIds: [bob.account.accountId] });
    assert.equal(created.statusCode, 201, created.body);
    const group = json(created);
    assert.deepEqual(group.members.map((m: { accountId: string; role: string }) => [m.accountId, m.role]), [
      [admin.account.accountId, 'admin'],
      [bob.account.accountId, 'member'],
    ]);

    const byMember = await post(bob.device.token, `/v1/conversations/${group.id}/members`, { accountId: carol.account.accountId });
    assert.equal(byMember.statusCode, 403);
    assert.equal(json(byMember).error.code, 'not_an_admin');
    const retitle = await t.app.inject({ method: 'PATCH', url: `/v1/conversations/${group.id}`, headers: bearer(bob.device.token), payload: { title: 'x' } });
    assert.equal(json(retitle).error.code, 'not_an_admin');

    const empty = await t.app.inject({ method: 'PATCH', url: `/v1/conversations/${group.id}`, headers: bearer(admin.device.token), payload: {} });
    assert.equal(empty.statusCode, 400);
    const added = await post(admin.device.token, `/v1/conversations/${group.id}/members`, { accountId: carol.account.accountId });
    assert.equal(added.statusCode, 201, added.body);
    const twice = await post(admin.device.token, `/v1/conversations/${group.id}/members`, { accountId: carol.account.accountId });
    assert.equal(json(twice).error.code, 'already_a_member');

    const promoted = await t.app.inject({ method: 'PATCH', url: `/v1/conversations/${group.id}/members/${bob.account.accountId}`, headers: bearer(admin.device.token), payload: { role: 'admin' } });
    assert.equal(promoted.statusCode, 200, promoted.body);
    const byNewAdmin = await post(bob.device.token, `/v1/conversations/${group.id}/members`, { accountId: dave.account.accountId });
    assert.equal(byNewAdmin.statusCode, 201, byNewAdmin.body);

    const full = await post(admin.device.token, `/v1/conversations/${group.id}/members`, { accountId: (await member(t)).account.accountId });
    assert.equal(full.statusCode, 409);
    assert.equal(json(full).error.code, 'group_full');

    const removeByMember = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${group.id}/members/${dave.account.accountId}`, headers: bearer(carol.device.token) });
    assert.equal(json(removeByMember).error.code, 'not_an_admin');
    const leave = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${group.id}/members/${carol.account.accountId}`, headers: bearer(carol.device.token) });
    assert.equal(leave.statusCode, 204, leave.body);
    const remove = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${group.id}/members/${dave.account.accountId}`, headers: bearer(admin.device.token) });
    assert.equal(remove.statusCode, 204, remove.body);

    const view = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${group.id}`, headers: bearer(admin.device.token) }));
    assert.deepEqual(view.members.map((m: { accountId: string }) => m.accountId).sort(), [admin.account.accountId, bob.account.accountId].sort());
    // Every change left a system entry in the log: created, added, promoted, added, left, removed.
    const log = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${group.id}/messages?limit=50`, headers: bearer(admin.device.token) }));
    const events = log.messages.map((m: { kind: string; body: string }) => (assert.equal(m.kind, 'system'), JSON.parse(Buffer.from(m.body, 'base64url').toString()).event)).reverse();
    assert.deepEqual(events, ['group_created', 'member_added', 'member_promoted', 'member_added', 'member_left', 'member_removed']);
  });

  test('the last admin leaving hands the group to the longest-standing member', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const group = json(await post(admin.device.token, '/v1/conversations', { type: 'group', title: 'Heirs', memberAccountIds: [bob.account.accountId] }));
    const leave = await t.app.inject({ method: 'DELETE', url: `/v1/conversations/${group.id}/members/${admin.account.accountId}`, headers: bearer(admin.device.token) });
    assert.equal(leave.statusCode, 204);
    const view = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${group.id}`, headers: bearer(bob.device.token) }));
    assert.deepEqual(view.members, [{ accountId: bob.account.accountId, role: 'admin', joinedAt: view.members[0].joinedAt }]);
  });

  test('a group larger than CHAT_GROUP_MAX_MEMBERS cannot be created', async () => {
    const admin = await member(t);
    const others = await Promise.all([1, 2, 3, 4].map(() => member(t)));
    const res = await post(admin.device.token, '/v1/conversations', { type: 'group', title: 'Big', memberAccountIds: others.map((o) => o.account.accountId) });
    assert.equal(res.statusCode, 409);
    assert.equal(json(res).error.code, 'group_full');
  });

  test('direct conversations have no admins and fixed members', async () => {
    const a = await member(t);
    const b = await member(t);
    const c = await member(t);
    const direct = json(await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: b.account.accountId }));
    const add = await post(a.device.token, `/v1/conversations/${direct.id}/members`, { accountId: c.account.accountId });
    assert.equal(add.statusCode, 409);
    assert.equal(json(add).error.code, 'not_a_group');
  });

  test('lists the caller’s conversations by cursor, and only those', async () => {
    const a = await member(t);
    const peers = await Promise.all([1, 2, 3].map(() => member(t)));
    for (const p of peers) await post(a.device.token, '/v1/conversations', { type: 'direct', accountId: p.account.accountId });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = json(await t.app.inject({ method: 'GET', url: `/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(a.device.token) }));
      ids.push(...page.conversations.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(ids.length, 3);
    const peerList = json(await t.app.inject({ method: 'GET', url: '/v1/conversations', headers: bearer(peers[0]!.device.token) }));
    assert.equal(peerList.conversations.length, 1);
    const forged = await t.app.inject({ method: 'GET', url: '/v1/conversations?cursor=abc.def', headers: bearer(a.device.token) });
    assert.equal(forged.statusCode, 400);
    assert.equal(json(forged).error.code, 'invalid_cursor');
  });

  test('a member added later sees the log from its own arrival on', async () => {
    const admin = await member(t);
    const bob = await member(t);
    const group = json(await post(admin.device.token, '/v1/conversations', { type: 'group', title: 'Roster', memberAccountIds: [] }));
    await send(t, admin.device, group.id, 'hello');
    const res = await post(admin.device.token, `/v1/conversations/${group.id}/members`, { accountId: bob.account.accountId });
    assert.equal(res.statusCode, 201);
    const bobHistory = json(await t.app.inject({ method: 'GET', url: `/v1/conversations/${group.id}/messages`, headers: bearer(bob.device.token) }));
    // Bob sees the log from his own arrival on: not the message sent before it.
    assert.deepEqual(bobHistory.messages.map((m: { kind: string }) => m.kind), ['system']);
  });
});
