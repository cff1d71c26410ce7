import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json } from '@twin/platform/testing';
import { member } from './core-helpers.ts';
import { b64, createConversation, MlsDevice, unb64 } from './mls-helpers.ts';
import { startListening, TestClient, type ListeningPlatform } from './realtime-helpers.ts';

forEachEngineSet('MLS over the WebSocket delivery path', (engines) => {
  let t: ListeningPlatform;
  before(async () => {
    t = await startListening(engines, { CHAT_MLS_MAX_COMMIT_BYTES: '4096' });
  });
  after(() => t.close());

  test('an accepted commit and the PrivateMessages after it reach the members’ sockets as kind mls entries; a handshake sent as a message frame is refused', async () => {
    const a = new MlsDevice(t, (await member(t, 'wsa')).device);
    const b = new MlsDevice(t, (await member(t, 'wsb')).device);
    await b.upload(1);
    const conversationId = await createConversation(t, a.device, [b.device.accountId]);
    const socketB = await TestClient.connect(t.wsUrl, b.device.token);
    const socketA = await TestClient.connect(t.wsUrl, a.device.token);

    await a.createGroup(conversationId);
    const added = await a.commit(conversationId, { add: await a.claimAll([b.device.accountId]) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    await socketB.waitFor('the commit', () => socketB.delivered(conversationId).some((m) => m.kind === 'mls'));
    const delivered = socketB.delivered(conversationId).find((m) => m.kind === 'mls')!;
    assert.equal(delivered.seq, added.body.seq);
    assert.deepEqual(unb64(delivered.body), added.commit);
    // b learns of its Welcome from the commit in its stream, joins, and talks over the socket.
    await b.joinFromInbox(conversationId);
    socketB.send({ type: 'send', clientMessageId: 'hello-1', conversationId, kind: 'mls', body: b64(await b.encrypt(conversationId, 'hello')), sentAt: Date.now() });
    await socketA.waitFor('the application message', () => socketA.delivered(conversationId).some((m) => m.clientMessageId === 'hello-1'));
    assert.equal(socketB.of('send-result').find((r) => r.clientMessageId === 'hello-1')?.duplicate, false);

    // A commit sent as a message frame: refused, the group stays where it is.
    const update = await b.buildCommit(conversationId);
    socketB.send({ type: 'send', clientMessageId: 'smuggled-1', conversationId, kind: 'mls', body: b64(update.commit), sentAt: Date.now() });
    await socketB.waitFor('the refusal', () => socketB.of('error').some((e) => e.ref === 'smuggled-1'));
    assert.equal(socketB.of('error').find((e) => e.ref === 'smuggled-1')!.code, 'mls_handshake_not_here');
    assert.equal(json(await b.get(`/v1/conversations/${conversationId}/mls/group`)).epoch, 1);
    socketA.close();
    socketB.close();
  });

  test('a commit beyond CHAT_MLS_MAX_COMMIT_BYTES gets 413', async () => {
    const a = new MlsDevice(t, (await member(t, 'wsbig')).device);
    const conversationId = await createConversation(t, a.device, []);
    await a.createGroup(conversationId);
    const res = await a.post(`/v1/conversations/${conversationId}/mls/commits`, { clientMessageId: 'big', commit: 'A'.repeat(6000) });
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(json(res).error.code, 'payload_too_large');
  });
});
