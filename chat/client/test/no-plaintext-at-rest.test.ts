/**
 * No plaintext at rest: a scripted encrypted conversation — a 1:1 and a group of 3
 * accounts × 2 devices, texts and a 5 MB attachment, each with its own marker — and then
 * everything the server keeps is scanned for the markers and for slices of the
 * attachment's plaintext: every file under DATA_DIR (SQLite database and WAL, local
 * blobs, anything spooled there), everything the server logged at its most verbose
 * level, and on the distributed engines also every row of every table in the PostgreSQL
 * schema and every object in the S3 bucket. Zero hits.
 *
 * A scan that finds nothing proves nothing unless it would have found plaintext: in the
 * same run, devices with encryption off send a control text and upload control bytes as
 * they are, and the same scan must find both. (Switching encryption off fails this test:
 * checked by sending texts in the clear — markers found in the SQLite file and WAL, and in
 * the PostgreSQL outbox and chat_message tables — and by a no-op attachment cipher —
 * marker and slices found in the local blob and the S3 object.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { forEachEngineSet, waitFor } from '@twin/platform/testing';
import type { ConversationId } from '@twin/chat-protocol';
import type { Platform } from '@twin/platform';
import { DeviceSession, MemoryMlsStateStore } from '../src/index.ts';
import { addDevice, createAccount, linkDevice, startChatServer, type ChatServer, type TestAccount, type TestDevice } from './harness.ts';

/** A needle and the encodings in which a careless server could have stored it. */
function encodings(needle: Buffer): Buffer[] {
  const forms = [needle, Buffer.from(needle.toString('hex'))];
  // base64 and base64url at each of the three alignments, minus the edge characters the neighbours change.
  for (let shift = 0; shift < 3; shift++) {
    const tail = needle.subarray(shift);
    for (const encoding of ['base64', 'base64url'] as const) forms.push(Buffer.from(tail.toString(encoding).replace(/=+$/, '').slice(0, -2)));
  }
  return forms;
}

interface Haystack {
  readonly where: string;
  readonly bytes: Buffer;
}

function hits(haystacks: readonly Haystack[], needles: ReadonlyMap<string, Buffer>): string[] {
  const found: string[] = [];
  for (const [name, needle] of needles) {
    const forms = encodings(needle);
    for (const { where, bytes } of haystacks) if (forms.some((form) => bytes.includes(form))) found.push(`${name} in ${where}`);
  }
  return found;
}

async function filesUnder(dir: string): Promise<Haystack[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (path) => ({ where: path, bytes: await readFile(path) })));
}

/** Every row of every table in the platform's PostgreSQL schema, one haystack per table. */
async function postgresTables(platform: Platform): Promise<Haystack[]> {
  const db = platform.sql.db;
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema()`.execute(db);
  assert.ok(tables.rows.length > 10, 'the schema holds the platform and chat tables');
  return Promise.all(
    tables.rows.map(async ({ table_name }) => {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db);
      const cells = rows.rows.flatMap((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'object' ? JSON.stringify(v) : String(v)))));
      return { where: `table ${table_name}`, bytes: Buffer.concat(cells) };
    }),
  );
}

async function blobObjects(platform: Platform): Promise<Haystack[]> {
  const haystacks: Haystack[] = [];
  let cursor: string | undefined;
  do {
    const page = await platform.blob.list('', cursor ? { cursor } : {});
    for (const { key } of page.keys) {
      const chunks: Buffer[] = [];
      for await (const chunk of (await platform.blob.get(key)).body) chunks.push(Buffer.from(chunk as Uint8Array));
      haystacks.push({ where: `blob ${key}`, bytes: Buffer.concat(chunks) });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return haystacks;
}

await forEachEngineSet('no plaintext at rest', (engines) => {
  let server: ChatServer;
  const devices: TestDevice[] = [];
  // Every line the server logs, at its most verbose level.
  const logLines: string[] = [];
  before(async () => {
    server = await startChatServer(engines, {}, { log: { level: 'trace', destination: { write: (line: string) => void logLines.push(line) } } });
  });
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
    await server.close();
  });

  async function device(account: TestAccount, options: { encrypted: boolean; linkFrom?: TestDevice }): Promise<TestDevice> {
    const encryption = options.encrypted ? { encryption: { store: new MemoryMlsStateStore(), keyPackageBatch: 5 } } : {};
    const made = options.linkFrom ? await linkDevice(server, account, options.linkFrom, encryption) : await addDevice(server, account, encryption);
    devices.push(made);
    return made;
  }

  const texts = (d: TestDevice, conversationId: ConversationId) => d.entries(conversationId).map((m) => m.text);

  test('a scripted 1:1 and group conversation with texts and a 5 MB attachment leave no marker and no plaintext slice anywhere the server stores', async () => {
    const run = randomBytes(6).toString('hex');
    const marker = (what: string) => `NOPLAIN-${what}-${run}`;
    const needles = new Map<string, Buffer>();

    const [alice, bob, carol] = await Promise.all([createAccount(server, 'alice'), createAccount(server, 'bob'), createAccount(server, 'carol')]);
    const alicePhone = await device(alice, { encrypted: true });
    const aliceLaptop = await device(alice, { encrypted: true, linkFrom: alicePhone });
    const bobPhone = await device(bob, { encrypted: true });
    const bobLaptop = await device(bob, { encrypted: true, linkFrom: bobPhone });
    const carolPhone = await device(carol, { encrypted: true });
    const carolLaptop = await device(carol, { encrypted: true, linkFrom: carolPhone });
    const everyone = [alicePhone, aliceLaptop, bobPhone, bobLaptop, carolPhone, carolLaptop];

    // 1:1 between alice and bob (all four of their devices).
    const direct = (await alicePhone.client.createDirect(bob.accountId)).id as ConversationId;
    for (const [i, d] of [alicePhone, bobLaptop].entries()) {
      needles.set(marker(`dm${i}`), Buffer.from(marker(`dm${i}`)));
      await d.client.sendText(direct, `hello ${marker(`dm${i}`)}`);
    }
    const pair = [alicePhone, aliceLaptop, bobPhone, bobLaptop];
    await waitFor('both 1:1 texts on the four devices', () => pair.every((d) => texts(d, direct).filter(Boolean).length >= 2), 20_000);

    // The group: a text from every device, and a 5 MB attachment with a caption.
    const group = (await alicePhone.client.createGroup(`plans ${marker('title-not-secret')}`, [bob.accountId, carol.accountId])).id as ConversationId;
    for (const [i, d] of everyone.entries()) {
      needles.set(marker(`group${i}`), Buffer.from(marker(`group${i}`)));
      await d.client.sendText(group, `from device ${i}: ${marker(`group${i}`)}`);
    }
    const file = randomBytes(5 * 1024 * 1024);
    for (const at of [0, 1_000_003, 4_000_037]) file.write(marker('file'), at);
    needles.set(marker('file'), Buffer.from(marker('file')));
    needles.set(marker('caption'), Buffer.from(marker('caption')));
    for (const at of [64, 2_500_000, file.length - 96]) needles.set(`file bytes at ${at}`, file.subarray(at, at + 48));
    // The file name travels only inside the pointer, so it is a marker too.
    needles.set(marker('filename'), Buffer.from(marker('filename')));
    const sent = await carolLaptop.client.sendAttachment(group, file, { mime: 'application/octet-stream', name: `${marker('filename')}.bin`, caption: marker('caption') });

    await waitFor('every group text and the attachment on all six devices', () => everyone.every((d) => d.entries(group).filter((m) => m.text !== undefined).length >= 7), 30_000);
    for (const d of everyone) {
      const received = d.entries(group).find((m) => m.kind === 'attachment');
      assert.ok(received?.encrypted && received.attachment, 'the attachment arrived as an MLS message');
      assert.equal(received.text, marker('caption'));
      assert.deepEqual(received.attachment, sent.pointer);
    }
    const downloaded = await bobLaptop.client.attachments.downloadBytes(bobLaptop.entries(group).find((m) => m.kind === 'attachment')!.attachment!);
    assert.ok(Buffer.from(downloaded).equals(file), 'a member gets the file back, verified and decrypted');

    // The control: devices with encryption off, whose plaintext the scan must find.
    const [dave, erin] = await Promise.all([createAccount(server, 'dave'), createAccount(server, 'erin')]);
    const davePhone = await device(dave, { encrypted: false });
    const control = (await davePhone.client.createDirect(erin.accountId)).id as ConversationId;
    const controlText = `CONTROL-${run}`;
    await davePhone.client.sendText(control, controlText);
    // The SDK always encrypts attachments: the control bytes go to the same endpoint as they are.
    const controlBytes = randomBytes(256 * 1024);
    const session = new DeviceSession(davePhone.client.api, davePhone.client.device);
    const raw = await fetch(`${server.baseUrl}/v1/conversations/${control}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await session.token()}`, 'content-type': 'application/octet-stream' },
      body: controlBytes,
    });
    session.close();
    assert.equal(raw.status, 201, await raw.text());

    const platform = server.t.platform;
    // DATA_DIR on both engine sets: the distributed run may still spool uploads or caches there.
    const log: Haystack = { where: 'the server log', bytes: Buffer.from(logLines.join('')) };
    assert.ok(log.bytes.includes(group), 'the log is captured: its request lines name the group');
    const stored = [log, ...(await filesUnder(platform.config.dataDir)), ...(platform.config.databaseUrl ? [...(await postgresTables(platform)), ...(await blobObjects(platform))] : [])];
    assert.ok(stored.some((h) => h.where.includes('blob')), 'the scan reads the blobs');

    const controls = new Map([
      ['control text', Buffer.from(controlText)],
      ['control bytes', controlBytes.subarray(1000, 1048)],
    ]);
    const controlsFound = new Set(hits(stored, controls).map((hit) => hit.split(' in ')[0]));
    assert.deepEqual([...controlsFound].sort(), ['control bytes', 'control text'], 'the scan finds plaintext where there is some');
    assert.deepEqual(hits(stored, needles), [], 'no marker and no slice of the attachment anywhere the server stores');
  });
});
