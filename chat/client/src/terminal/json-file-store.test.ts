import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runContract } from '../store/contract.case.ts';
import { JsonFileChatStore } from './json-file-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-store-'));
let n = 0;
runContract({
  create: () => JsonFileChatStore.open(join(dir, `s${n++}`, 'state.json')),
  reopen: (store) => JsonFileChatStore.open((store as JsonFileChatStore).path),
});
