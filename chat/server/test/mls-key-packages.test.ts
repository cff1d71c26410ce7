import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachEngineSet, json, startTestPlatform, type TestPlatform } from '@twin/platform/testing';
import { encodeMlsMessage } from 'ts-mls';
import { chatFeature } from '../src/index.ts';
import { addDevice, member, newKeys, TEST_ENV } from './core-helpers.ts';
import { b64, createConversation, MlsDevice, unb64 } from './mls-helpers.ts';

forEachEngineSet('MLS key directory', (engines) => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform(engines, TEST_ENV, { features: [chatFeature] });
  });
  after(() => t.close());

  /** Two accounts sharing a conversation; `bob` has two devices. */
  async function pair() {
    const a = await member(t, 'kpa');
    const b = await member(t, 'kpb');
    const b2 = await addDevice(t, b.account, b.device);
    await createConversation(t, a.device, [b.account.accountId], 'direct');
    return { alice: new MlsDevice(t, a.device), bob: new MlsDevice(t, b.device), bob2: new MlsDevice(t, b2), bobAccount: b.account.accountId, bobSession: b.account };
  }

  test('uploads a batch and a last-resort package, counts them, and claims one per device of the account', async () => {
    const { alice, bob, bob2, bobAccount, bobSession } = await pair();
    assert.deepEqual(await bob.upload(3), { available: 3, lastResort: true });
    assert.deepEqual(await bob2.upload(1), { available: 1, lastResort: true });
    assert.deepEqual(json(await bob.get('/v1/mls/key-packages/count')), { available: 3, lastResort: true });

    const first = await alice.claim(bobAccount);
    assert.equal(first.statusCode, 200, first.body);
    const claimed = json(first);
    assert.deepEqual(claimed.keyPackages.map((k: any) => [k.deviceId, k.lastResort]).sort(), [[bob.deviceId, false], [bob2.deviceId, false]].sort());
    assert.deepEqual(claimed.missing, []);
    assert.deepEqual(json(await bob.get('/v1/mls/key-packages/count')), { available: 2, lastResort: true });
    assert.deepEqual(json(await bob2.get('/v1/mls/key-packages/count')), { available: 0, lastResort: true });

    // bob2 has run dry: its last-resort package is handed out, and stays.
    const second = json(await alice.claim(bobAccount, [bob2.deviceId]));
    const third = json(await alice.claim(bobAccount, [bob2.deviceId]));
    assert.equal(second.keyPackages[0].lastResort, true);
    assert.equal(third.keyPackages[0].keyPackage, second.keyPackages[0].keyPackage);
    assert.deepEqual(json(await bob2.get('/v1/mls/key-packages/count')), { available: 0, lastResort: true });

    // Its own account's other device claims too; the caller's own device is left out.
    const own = json(await bob.claim(bobAccount));
    assert.deepEqual(own.keyPackages.map((k: any) => k.deviceId), [bob2.deviceId]);
    // A device that never uploaded is reported missing.
    const fresh = await addDevice(t, bobSession, bob.device);
    assert.deepEqual(json(await alice.claim(bobAccount, [fresh.deviceId])), { keyPackages: [], missing: [fresh.deviceId] });
  });

  test('a package uploaded twice is stored once, and a new last-resort package replaces the old', async () => {
    const { alice, bob, bobAccount } = await pair();
    const kp = b64((await bob.keyPackage()).bytes);
    const lastResort = b64((await bob.keyPackage()).bytes);
    assert.deepEqual(json(await bob.post('/v1/mls/key-packages', { keyPackages: [kp, kp], lastResort })), { available: 1, lastResort: true });
    assert.deepEqual(json(await bob.post('/v1/mls/key-packages', { keyPackages: [kp] })), { available: 1, lastResort: true });
    const replacement = b64((await bob.keyPackage()).bytes);
    await bob.post('/v1/mls/key-packages', { keyPackages: [], lastResort: replacement });
    json(await alice.claim(bobAccount, [bob.deviceId]));
    const dry = json(await alice.claim(bobAccount, [bob.deviceId]));
    assert.deepEqual(dry.keyPackages, [{ deviceId: bob.deviceId, keyPackage: replacement, lastResort: true }]);
  });

  test('refuses key packages not bound to the uploading device, tampered ones and other MLS messages with 4xx', async () => {
    const { alice, bob } = await pair();
    const upload = (keyPackages: string[]) => bob.post('/v1/mls/key-packages', { keyPackages });
    const expect = async (res: Awaited<ReturnType<typeof upload>>, status: number, code: string) => {
      assert.equal(res.statusCode, status, res.body);
      assert.equal(json(res).error.code, code);
    };
    // Alice's identity key under bob's device id, and bob's key under alice's device id.
    await expect(await upload([b64((await bob.keyPackage({ signKey: alice.signKey, publicKey: alice.publicKey })).bytes)]), 403, 'mls_identity_mismatch');
    await expect(await upload([b64((await bob.keyPackage({ deviceId: alice.deviceId })).bytes)]), 403, 'mls_identity_mismatch');
    // A fresh key pair that is no device's.
    const stranger = newKeys().privateKey.export({ format: 'jwk' });
    await expect(await upload([b64((await bob.keyPackage({ signKey: unb64(stranger.d!), publicKey: unb64(stranger.x!) })).bytes)]), 403, 'mls_identity_mismatch');

    const good = (await bob.keyPackage()).bytes;
    const tampered = Uint8Array.from(good);
    tampered[tampered.length - 10]! ^= 1; // inside the KeyPackage signature
    await expect(await upload([b64(tampered)]), 400, 'mls_invalid_key_package');
    await expect(await upload([b64(good.subarray(0, good.length - 1))]), 400, 'mls_invalid_message');
    await expect(await upload([b64(Uint8Array.of(...good, 0))]), 400, 'mls_invalid_message');
    await expect(await upload([b64((await bob.keyPackage({ lifetime: { notBefore: 0n, notAfter: 1n } })).bytes)]), 400, 'mls_invalid_key_package');
    await expect(await upload(['not*base64']), 400, 'validation_failed');
    await expect(await upload(['AAAAAAAA']), 400, 'mls_invalid_message');
    const { publicPackage } = await bob.keyPackage();
    const asPublicMessageFormat = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage });
    asPublicMessageFormat[3] = 1; // wire format mls_public_message
    await expect(await upload([b64(asPublicMessageFormat)]), 400, 'mls_invalid_message');
    // Nothing of a refused batch is stored, including the good package beside a bad one.
    await expect(await upload([b64(good), b64(tampered)]), 400, 'mls_invalid_key_package');
    assert.deepEqual(json(await bob.get('/v1/mls/key-packages/count')), { available: 0, lastResort: false });
  });

  test('claims only for the account’s own devices and for accounts sharing a conversation; unknown ids get 404', async () => {
    const { bob, bobAccount } = await pair();
    await bob.upload(2);
    const stranger = new MlsDevice(t, (await member(t, 'kps')).device);
    const refused = await stranger.claim(bobAccount);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(json(refused).error.code, 'no_shared_conversation');
    assert.deepEqual(json(await bob.get('/v1/mls/key-packages/count')).available, 2);

    const unknownAccount = await stranger.claim('123456789012345');
    assert.equal(unknownAccount.statusCode, 404);
    assert.equal(json(unknownAccount).error.code, 'account_not_found');
    assert.equal((await stranger.claim('99999999999999999999')).statusCode, 404);
    const unknownDevice = await bob.claim(bobAccount, ['123456789012345']);
    assert.equal(unknownDevice.statusCode, 404);
    assert.equal(json(unknownDevice).error.code, 'device_not_found');
  });

  test('20 concurrent claimers of a device with 5 packages left get 5 distinct packages, then the last-resort one', async () => {
    const { alice, bob, bobAccount } = await pair();
    const { lastResort } = await bob.upload(5);
    assert.equal(lastResort, true);
    const responses = await Promise.all(Array.from({ length: 20 }, () => alice.claim(bobAccount, [bob.deviceId])));
    const got = responses.map((res) => {
      assert.equal(res.statusCode, 200, res.body);
      return json(res).keyPackages[0] as { keyPackage: string; lastResort: boolean };
    });
    const oneTime = got.filter((k) => !k.lastResort).map((k) => k.keyPackage);
    const lastResorts = new Set(got.filter((k) => k.lastResort).map((k) => k.keyPackage));
    assert.equal(oneTime.length, 5);
    assert.equal(new Set(oneTime).size, 5);
    assert.equal(lastResorts.size, 1);
    assert.ok(!oneTime.includes([...lastResorts][0]!));
    assert.deepEqual(json(await bob.get('/v1/mls/key-packages/count')), { available: 0, lastResort: true });
  });
});
