/**
 * Encrypted attachments end to end through the SDK and a real server, on both engine
 * sets: a 5 MB file round-trips between members; what the blob store holds is
 * ciphertext only (no marker, no plaintext window); a damaged byte is a clear client
 * error; non-members, removed members and revoked devices are refused; the size limit
 * holds while streaming; retention removes the blob.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { forEachEngineSet } from '@twin/platform/testing';
import { AttachmentSweeper, attachmentBlobKey } from '../../server/src/attachments/index.ts';
import { AttachmentClient, AttachmentIntegrityError, ChatApiError, ciphertextSize, type AttachmentPointer } from '../src/index.ts';
import { addDevice, createAccount, linkDevice, startChatServer, type ChatServer, type TestDevice } from './harness.ts';

const MAX = 8 * 1024 * 1024;
const MARKER = 'ATTACHMENT-PLAINTEXT-MARKER-7f3a9c';

/** 5 MB of random bytes with the marker written into it every 256 KiB. */
function markedFile(size: number): Uint8Array {
  const file = new Uint8Array(randomBytes(size));
  const marker = new TextEncoder().encode(MARKER);
  for (let at = 0; at + marker.length <= size; at += 256 * 1024) file.set(marker, at);
  return file;
}

async function readBlob(server: ChatServer, key: string): Promise<Buffer> {
  const { body } = await server.t.platform.blob.get(key);
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function rejectsWithApi(promise: Promise<unknown>, status: number, code?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ChatApiError, String(error));
    assert.equal(error.status, status, error.message);
    if (code) assert.equal(error.code, code);
    return true;
  });
}

forEachEngineSet('chat encrypted attachments (SDK)', (engines) => {
  let server: ChatServer;
  before(async () => {
    server = await startChatServer(engines, { CHAT_ATTACHMENT_MAX_BYTES: String(MAX) });
  });
  after(() => server.close());

  const stopping: TestDevice[] = [];
  after(() => Promise.all(stopping.map((d) => d.stop())));
  const device = async (account: Awaited<ReturnType<typeof createAccount>>) => {
    const d = await addDevice(server, account, { connect: false });
    stopping.push(d);
    return d;
  };
  const clients: AttachmentClient[] = [];
  after(() => clients.forEach((c) => c.close()));
  const attachmentsOf = (d: TestDevice) => {
    const client = AttachmentClient.forDevice(d.client.api, d.client.device);
    clients.push(client);
    return client;
  };

  test('a 5 MB file round-trips through the SDK, and the blob store holds only ciphertext', async () => {
    const alice = await createAccount(server, 'alice');
    const bob = await createAccount(server, 'bob');
    const [aliceDevice, bobDevice] = [await device(alice), await device(bob)];
    const group = await aliceDevice.client.api.createGroup('files', [bob.accountId]);
    const file = markedFile(5 * 1024 * 1024);

    const pointer = await attachmentsOf(aliceDevice).upload(group.id, file, { mime: 'application/octet-stream', name: 'report.bin' });
    assert.equal(pointer.plainSize, file.length);
    assert.equal(pointer.size, ciphertextSize(file.length, pointer.chunkSize));
    // The app sends the pointer inside the MLS message; here it travels as its JSON.
    const received = JSON.parse(JSON.stringify(pointer)) as AttachmentPointer;
    const plain = await attachmentsOf(bobDevice).downloadBytes(received);
    assert.equal(plain.length, file.length);
    assert.ok(Buffer.from(plain).equals(Buffer.from(file)), 'the plaintext differs');

    const stored = await readBlob(server, attachmentBlobKey(pointer.id));
    assert.equal(stored.length, pointer.size);
    assert.equal(stored.indexOf(MARKER), -1, 'the marker is in the stored blob');
    for (let at = 1000; at < file.length; at += 499_999) {
      assert.equal(stored.indexOf(Buffer.from(file.subarray(at, at + 32))), -1, `plaintext bytes at ${at} are in the stored blob`);
    }
    // Nor anywhere else in the attachment store.
    const { keys } = await server.t.platform.blob.list('chat/attachments/');
    for (const { key } of keys) assert.equal((await readBlob(server, key)).indexOf(MARKER), -1, `marker in ${key}`);
  });

  test('a damaged ciphertext byte makes the download fail with AttachmentIntegrityError, releasing no plaintext past it', async () => {
    const alice = await createAccount(server, 'alice');
    const aliceDevice = await device(alice);
    const group = await aliceDevice.client.api.createGroup('files', []);
    const client = attachmentsOf(aliceDevice);
    const pointer = await client.upload(group.id, markedFile(300_000));
    const key = attachmentBlobKey(pointer.id);
    const stored = await readBlob(server, key);
    stored[150_000]! ^= 0x40;
    await server.t.platform.blob.put(key, stored);
    await assert.rejects(client.downloadBytes(pointer), (error: unknown) => {
      assert.ok(error instanceof AttachmentIntegrityError, String(error));
      assert.equal(error.code, 'attachment_corrupt');
      assert.match(error.message, /chunk 2 failed authentication/);
      return true;
    });
    // A pointer whose sizes disagree is refused before anything is fetched.
    await assert.rejects(client.downloadBytes({ ...pointer, plainSize: pointer.plainSize + 1 }), (error: unknown) => error instanceof AttachmentIntegrityError && error.reason === 'size_mismatch');
  });

  test('non-members, removed members and unknown ids get 404, a revoked device 401', async () => {
    const alice = await createAccount(server, 'alice');
    const bob = await createAccount(server, 'bob');
    const eve = await createAccount(server, 'eve');
    const aliceDevice = await device(alice);
    const bobDevice = await device(bob);
    const bobLaptop = await linkDevice(server, bob, bobDevice, { connect: false });
    stopping.push(bobLaptop);
    const eveDevice = await device(eve);
    const group = await aliceDevice.client.api.createGroup('files', [bob.accountId]);
    const pointer = await attachmentsOf(aliceDevice).upload(group.id, markedFile(10_000));
    const laptop = attachmentsOf(bobLaptop);
    assert.equal((await laptop.downloadBytes(pointer)).length, 10_000);

    await rejectsWithApi(attachmentsOf(eveDevice).downloadBytes(pointer), 404, 'attachment_not_found');
    await rejectsWithApi(attachmentsOf(aliceDevice).downloadBytes({ ...pointer, id: '9000000000000000000' }), 404, 'attachment_not_found');
    await rejectsWithApi(attachmentsOf(eveDevice).upload(group.id, markedFile(1000)), 403, 'not_a_member');

    await bobDevice.client.api.removeDevice(bobLaptop.client.device.deviceId as never, bob.accountToken);
    await rejectsWithApi(laptop.downloadBytes(pointer), 401);

    await aliceDevice.client.api.removeMember(group.id, bob.accountId);
    await rejectsWithApi(attachmentsOf(bobDevice).downloadBytes(pointer), 404, 'attachment_not_found');
  });

  test('an upload over CHAT_ATTACHMENT_MAX_BYTES is refused with 413 while streaming and leaves no blob', async () => {
    const alice = await createAccount(server, 'alice');
    const aliceDevice = await device(alice);
    const group = await aliceDevice.client.api.createGroup('files', []);
    const before = (await server.t.platform.blob.list('chat/attachments/')).keys.length;
    let produced = 0;
    // Generated as it is sent: the SDK streams without a Content-Length, so only the server's count can stop it.
    const big = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= MAX + 1024 * 1024) return controller.close();
        produced += 256 * 1024;
        controller.enqueue(new Uint8Array(256 * 1024));
      },
    });
    await rejectsWithApi(attachmentsOf(aliceDevice).upload(group.id, big), 413, 'payload_too_large');
    assert.equal((await server.t.platform.blob.list('chat/attachments/')).keys.length, before);
  });

  test('retention removes an expired attachment: the blob is gone and the download is 404', async () => {
    const alice = await createAccount(server, 'alice');
    const aliceDevice = await device(alice);
    const group = await aliceDevice.client.api.createGroup('files', []);
    const client = attachmentsOf(aliceDevice);
    const pointer = await client.upload(group.id, markedFile(20_000));
    // The sweeper as the worker runs it (CHAT_RETENTION 30d), its clock 31 days ahead.
    const sweeper = new AttachmentSweeper({ db: server.t.platform.sql.db, blob: server.t.platform.blob, keepForMs: 30 * 86_400_000, intervalMs: 60_000, now: () => Date.now() + 31 * 86_400_000 });
    assert.ok((await sweeper.sweep()) >= 1);
    assert.equal(await server.t.platform.blob.head(attachmentBlobKey(pointer.id)), null);
    await rejectsWithApi(client.downloadBytes(pointer), 404, 'attachment_not_found');
  });
});
