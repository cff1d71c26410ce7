import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runContract } from '../store/contract.case.ts';
import { JsonFileChatStore } from './json-file-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-store-'));
let n = 0;
runContract({
  create: () => JsonFileChatStore.open(join(dir, `s${n++}`, 'state.json')),
  reopen: (store) => JsonFileChatStore.open((store as JsonFileChatStore).path),
});

test('keeps MLS records across a reopen, applying writes and deletions in one save', async () => {
  const store = await JsonFileChatStore.open(join(dir, 'mls', 'state.json'));
  await store.save(new Map([['group:1', new Uint8Array([1, 2, 3])], ['kp:a', new Uint8Array([9])]]));
  await store.save(new Map<string, Uint8Array | undefined>([['kp:a', undefined], ['group:1', new Uint8Array([4, 5])]]));
  const reopened = await JsonFileChatStore.open(store.path);
  assert.deepEqual([...(await reopened.load())], [['group:1', new Uint8Array([4, 5])]]);
});
