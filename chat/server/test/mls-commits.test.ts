import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { chatFeature } from '../src/index.ts';
import { addDevice, bearer, member, TEST_ENV, type TestAccount, type TestDevice } from './core-helpers.ts';
import { b64, createConversation, logOf, MlsDevice, unb64 } from './mls-helpers.ts';

forEachEngineSet('MLS commit gate', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  /** An MLS device with key packages on the server (a fresh account, or a linked device of `of`). */
  async function mlsMember(of?: MlsDevice) {
    let device: TestDevice;
    if (of) {
      device = await addDevice(t, accounts.get(of.device.accountId)!, of.device);
    } else {
      const m = await member(t, 'mls');
      accounts.set(m.account.accountId, m.account);
      device = m.device;
    }
    const mls = new MlsDevice(t, device);
    await mls.upload(2);
    return mls;
  }
  const accounts = new Map<string, TestAccount>();
  const accountOf = (d: MlsDevice) => d.device.accountId;

  /** A group of admin `a` (plus a second device a2), member b (b2), member c: all devices in the MLS group at epoch 1. */
  async function groupOfThree() {
    const a = await mlsMember();
    const a2 = await mlsMember(a);
    const b = await mlsMember();
    const b2 = await mlsMember(b);
    const c = await mlsMember();
    const conversationId = await createConversation(t, a.device, [accountOf(b), accountOf(c)]);
    await a.createGroup(conversationId);
    const added = await a.commit(conversationId, { add: await a.claimAll([accountOf(a), accountOf(b), accountOf(c)]) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    for (const d of [a2, b, b2, c]) await d.joinFromInbox(conversationId);
    return { conversationId, a, a2, b, b2, c };
  }

  test('a registered group moves one epoch per commit, logged as a kind mls entry, and its Welcome reaches exactly the added devices', async () => {
    const a = await mlsMember();
    const b = await mlsMember();
    const b2 = await mlsMember(b);
    const outsider = await mlsMember();
    const conversationId = await createConversation(t, a.device, [accountOf(b)], 'direct');
    await a.createGroup(conversationId);
    const view0 = json(await b.get(`/v1/conversations/${conversationId}/mls/group`));
    assert.equal(view0.epoch, 0);
    assert.deepEqual(view0.leaves, [{ leafIndex: 0, deviceId: a.deviceId, accountId: accountOf(a) }]);

    const added = await a.commit(conversationId, { add: await a.claimAll([accountOf(b)]) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.epoch, 1);
    assert.equal(added.body.duplicate, false);
    const entry = (await logOf(t, b.device, conversationId)).find((m) => m.seq === added.body.seq);
    assert.equal(entry.kind, 'mls');
    assert.equal(entry.senderDeviceId, a.deviceId);
    assert.deepEqual(unb64(entry.body), added.commit);

    // Each added device finds the Welcome in its inbox and joins at the commit's epoch; nobody else has one.
    for (const joiner of [b, b2]) assert.deepEqual(await joiner.joinFromInbox(conversationId), { epoch: 1, commitSeq: added.body.seq });
    for (const other of [a, outsider, b]) assert.deepEqual(json(await other.get('/v1/mls/welcomes')).welcomes, []);
    const view1 = json(await a.get(`/v1/conversations/${conversationId}/mls/group`));
    assert.equal(view1.epoch, 1);
    assert.deepEqual(new Set(view1.leaves.map((l: any) => l.deviceId)), new Set([a.deviceId, b.deviceId, b2.deviceId]));
    assert.equal(view1.treeHash, b64(b.groups.get(conversationId)!.groupContext.treeHash));

    // Application messages ride the ordinary path as opaque PrivateMessages.
    const sent = await b.post(`/v1/conversations/${conversationId}/messages`, { clientMessageId: randomUUID(), kind: 'mls', body: b64(await b.encrypt(conversationId, 'hello')), sentAt: 1 });
    assert.equal(sent.statusCode, 201, sent.body);
    // A self-update by b2 moves the group on; a processes it from the log and agrees.
    const update = await b2.commit(conversationId);
    assert.equal(update.status, 201, JSON.stringify(update.body));
    await a.process(conversationId, update.commit);
    assert.equal(a.epoch(conversationId), 2);
    assert.equal(json(await a.get(`/v1/conversations/${conversationId}/mls/group`)).treeHash, b64(a.groups.get(conversationId)!.groupContext.treeHash));
  });

  test('two concurrent commits for one epoch: one is accepted, the other gets 409 stale_epoch; a resend gets the original', async () => {
    const { conversationId, a, b, c } = await groupOfThree();
    const fromB = await b.buildCommit(conversationId);
    const fromC = await c.buildCommit(conversationId);
    const [rb, rc] = await Promise.all([b.submit(conversationId, fromB, 'race-b'), c.submit(conversationId, fromC, 'race-c')]);
    assert.deepEqual([rb.status, rc.status].sort(), [201, 409]);
    const [winner, winnerDevice, loser] = rb.status === 201 ? [rb, b, rc] : [rc, c, rb];
    assert.equal(loser.body.error.code, 'stale_epoch');
    assert.equal(loser.body.error.details.epoch, 2);
    assert.equal(winner.body.epoch, 2);
    // One commit per epoch in the log.
    const commits = (await logOf(t, a.device, conversationId)).filter((m) => m.kind === 'mls');
    assert.equal(commits.length, 2);

    // The same commit again under its clientMessageId: the original answer, nothing new.
    const resend = await winnerDevice.post(`/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: winnerDevice === b ? 'race-b' : 'race-c', commit: b64(winner.commit) });
    assert.equal(resend.statusCode, 200, resend.body);
    assert.deepEqual(json(resend), { ...winner.body, duplicate: true });
    // Replayed under another id (by anyone): its epoch is gone.
    const replay = await winnerDevice.post(`/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: randomUUID(), commit: b64(winner.commit) });
    assert.equal(replay.statusCode, 409);
    assert.equal(json(replay).error.code, 'stale_epoch');
    assert.equal((await logOf(t, a.device, conversationId)).filter((m) => m.kind === 'mls').length, 2);
  });

  test('a tampered commit, a commit from another device’s leaf and a handshake through the message path are refused with 4xx', async () => {
    const { conversationId, a, b } = await groupOfThree();
    const built = await b.buildCommit(conversationId);
    // A PublicMessage ends with signature<V> (2 + 64 bytes), confirmation_tag<V> (1 + 32), membership_tag<V> (1 + 32).
    for (const at of [built.commit.length - 100, Math.floor(built.commit.length / 2)]) {
      const tampered = Uint8Array.from(built.commit);
      tampered[at]! ^= 1;
      const bad = await b.submit(conversationId, { ...built, commit: tampered });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.ok(['mls_bad_signature', 'mls_invalid_message', 'mls_invalid_commit'].includes(bad.body.error.code), bad.body.error.code);
      if (at === built.commit.length - 100) assert.equal(bad.body.error.code, 'mls_bad_signature');
    }
    const truncated = await b.submit(conversationId, { ...built, commit: built.commit.subarray(0, 20) });
    assert.equal(truncated.status, 400);
    assert.equal(truncated.body.error.code, 'mls_invalid_message');

    // b's commit carried by a: a device commits only from its own leaf.
    const relayed = await a.submit(conversationId, built);
    assert.equal(relayed.status, 403, JSON.stringify(relayed.body));
    assert.equal(relayed.body.error.code, 'mls_identity_mismatch');

    // A commit smuggled in as a kind mls message.
    const smuggled = await b.post(`/v1/conversations/${conversationId}/messages`, { clientMessageId: randomUUID(), kind: 'mls', body: b64(built.commit), sentAt: 1 });
    assert.equal(smuggled.statusCode, 400, smuggled.body);
    assert.equal(json(smuggled).error.code, 'mls_handshake_not_here');
    const garbage = await b.post(`/v1/conversations/${conversationId}/messages`, { clientMessageId: randomUUID(), kind: 'mls', body: b64(Buffer.from('hello')), sentAt: 1 });
    assert.equal(json(garbage).error.code, 'mls_invalid_message');
    // Standalone proposals are not taken: proposals travel by value inside commits.
    const proposal = await b.proposal(conversationId, { proposalType: 'remove', remove: { removed: b.leafOf(conversationId, a.deviceId) } });
    const standalone = await b.post(`/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: randomUUID(), commit: b64(proposal) });
    assert.equal(standalone.statusCode, 400, standalone.body);
    assert.equal(json(standalone).error.code, 'mls_unsupported');
    // The untouched commit still goes through: nothing above moved the group.
    assert.equal((await b.submit(conversationId, built)).status, 201);
  });

  test('the roster rules: only admins add accounts, only a member’s devices change its devices, a departed account loses all its leaves at once', async () => {
    const { conversationId, a, a2, b, b2, c } = await groupOfThree();
    const d = await mlsMember();
    assert.equal((await a.post(`/v1/conversations/${conversationId}/members`, { accountId: accountOf(d) })).statusCode, 201);
    const dPackages = await b.claimAll([accountOf(d)]);
    const expect = (committed: { status: number; body: any }, status: number, code: string) => {
      assert.equal(committed.status, status, JSON.stringify(committed.body));
      assert.equal(committed.body.error.code, code);
    };

    // A non-admin adding the new member: 403, and the epoch stays.
    expect(await b.commit(conversationId, { add: dPackages }), 403, 'not_an_admin');
    // Removing another member's device, even as admin: 403.
    expect(await a.commit(conversationId, { removeLeaves: [a.leafOf(conversationId, b2.deviceId)] }), 403, 'mls_not_your_devices');
    // Adding a device of an account that is not a member: 403.
    const outsider = await mlsMember();
    expect(await a.commit(conversationId, { add: [(await outsider.keyPackage()).bytes] }), 403, 'mls_device_not_member');
    assert.equal(json(await a.get(`/v1/conversations/${conversationId}/mls/group`)).epoch, 1);

    // The admin adds d (the packages b claimed are good for anyone); a removes its own other device.
    const addD = await a.commit(conversationId, { add: dPackages });
    assert.equal(addD.status, 201, JSON.stringify(addD.body));
    for (const x of [a2, b, b2, c]) await x.process(conversationId, addD.commit);
    const own = await a.commit(conversationId, { removeLeaves: [a.leafOf(conversationId, a2.deviceId)] });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    for (const x of [b, b2, c]) await x.process(conversationId, own.commit);

    // c is removed from the roster; only an admin commits its leaves away.
    assert.equal((await a.delete(`/v1/conversations/${conversationId}/members/${accountOf(c)}`)).statusCode, 204);
    const cLeaf = a.leafOf(conversationId, c.deviceId);
    expect(await b.commit(conversationId, { removeLeaves: [cLeaf] }), 403, 'not_an_admin');
    // b leaves with two devices in the group: removing one of them is not enough.
    assert.equal((await b.delete(`/v1/conversations/${conversationId}/members/${accountOf(b)}`)).statusCode, 204);
    expect(await a.commit(conversationId, { removeLeaves: [a.leafOf(conversationId, b.deviceId)] }), 409, 'mls_incomplete_removal');
    const whole = await a.commit(conversationId, { removeLeaves: [a.leafOf(conversationId, b.deviceId), a.leafOf(conversationId, b2.deviceId), cLeaf] });
    assert.equal(whole.status, 201, JSON.stringify(whole.body));
    const left = json(await a.get(`/v1/conversations/${conversationId}/mls/group`)).leaves.map((l: any) => l.deviceId);
    assert.deepEqual(new Set(left), new Set([a.deviceId, d.deviceId]));
  });

  test('leaves of a removed device may be pruned by any member', async () => {
    const { conversationId, a, b, b2 } = await groupOfThree();
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/devices/${b2.deviceId}`, headers: bearer(b.device.token) });
    assert.equal(removed.statusCode, 204);
    const pruned = await a.commit(conversationId, { removeLeaves: [a.leafOf(conversationId, b2.deviceId)] });
    assert.equal(pruned.status, 201, JSON.stringify(pruned.body));
  });

  test('a Welcome must match the commit’s adds; the inbox pages by cursor and forgets what a device dropped', async () => {
    const a = await mlsMember();
    const b = await mlsMember();
    const b2 = await mlsMember(b);
    const conversationId = await createConversation(t, a.device, [accountOf(b)]);
    await a.createGroup(conversationId);
    const built = await a.buildCommit(conversationId, { add: await a.claimAll([accountOf(b)]) });
    const missing = await a.submit(conversationId, { ...built, welcome: undefined });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'mls_welcome_mismatch');
    const other = await a.buildCommit(conversationId);
    const extra = await a.submit(conversationId, { ...other, welcome: built.welcome });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error.code, 'mls_welcome_mismatch');
    assert.equal((await a.submit(conversationId, built)).status, 201);

    // A second group adding b's devices again: b2 has two Welcomes, paged one at a time.
    const second = await createConversation(t, a.device, [accountOf(b)]);
    await a.createGroup(second);
    assert.equal((await a.commit(second, { add: await a.claimAll([accountOf(b)]) })).status, 201);
    const page1 = json(await b2.get('/v1/mls/welcomes?limit=1'));
    assert.equal(page1.welcomes.length, 1);
    assert.ok(page1.nextCursor);
    const page2 = json(await b2.get(`/v1/mls/welcomes?limit=1&cursor=${page1.nextCursor}`));
    assert.deepEqual(page2.welcomes.map((w: any) => w.conversationId), [second]);
    assert.equal(page2.nextCursor, undefined);
    assert.equal((await b.get(`/v1/mls/welcomes?cursor=${page1.nextCursor}`)).statusCode, 400, 'a cursor is bound to its device');
    assert.equal((await b2.delete(`/v1/mls/welcomes/${page1.welcomes[0].id}`)).statusCode, 204);
    assert.equal((await b2.delete(`/v1/mls/welcomes/${page1.welcomes[0].id}`)).statusCode, 404);
    assert.deepEqual(json(await b2.get('/v1/mls/welcomes')).welcomes.map((w: any) => w.conversationId), [second]);
    // b's own copy is untouched by b2 dropping its copy.
    assert.equal(json(await b.get('/v1/mls/welcomes')).welcomes.length, 2);
  });

  test('unknown conversations, groups and Welcomes get 404; a second registration 409; outsiders 403', async () => {
    const a = await mlsMember();
    const b = await mlsMember();
    const outsider = await mlsMember();
    const conversationId = await createConversation(t, a.device, [accountOf(b)]);
    const noGroup = await a.post(`/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: 'x', commit: b64((await a.keyPackage()).bytes) });
    assert.equal(noGroup.statusCode, 400, 'a key package is no commit');
    await a.createGroup(conversationId);
    const built = await a.buildCommit(conversationId);
    const unknown = await a.post('/v1/conversations/123456789012345/mls/commits', { clientMessageId: 'x', commit: b64(built.commit) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(json(unknown).error.code, 'conversation_not_found');
    assert.equal((await a.get('/v1/conversations/99999999999999999999/mls/group')).statusCode, 404);
    const other = await createConversation(t, a.device, [accountOf(b)]);
    const groupless = await a.get(`/v1/conversations/${other}/mls/group`);
    assert.equal(groupless.statusCode, 404);
    assert.equal(json(groupless).error.code, 'mls_group_not_found');
    // The commit names its own group: sent to another conversation it is refused.
    const elsewhere = await a.post(`/v1/conversations/${other}/mls/commits`, { clientMessageId: 'x', commit: b64(built.commit) });
    assert.equal(json(elsewhere).error.code, 'mls_invalid_message');
    assert.equal((await a.delete('/v1/mls/welcomes/123456789012345')).statusCode, 404);
    assert.equal(json(await outsider.get(`/v1/conversations/${conversationId}/mls/group`)).error.code, 'not_a_member');
    const notGroupInfo = await a.post(`/v1/conversations/${other}/mls/group`, { groupInfo: b64((await a.keyPackage()).bytes) });
    assert.equal(json(notGroupInfo).error.code, 'mls_invalid_message');
    const twice = await a.register(conversationId);
    assert.equal(twice.statusCode, 409);
    assert.equal(json(twice).error.code, 'mls_group_exists');
    assert.equal(json(await outsider.register(conversationId)).error.code, 'not_a_member');
    // In a group only an admin registers (a member's lone leaf could never add the others).
    const group = await createConversation(t, a.device, [accountOf(b)]);
    assert.equal(json(await b.register(group)).error.code, 'not_an_admin');
    assert.equal((await a.register(group)).statusCode, 201);
  });
});
