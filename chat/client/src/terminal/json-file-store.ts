/**
 * The terminal client's state in one JSON file (Node only): the SDK's `ChatStore` (device
 * key, cursors, outbox) and its `MlsStateStore` (group state and key packages, base64url)
 * together. Each change is written to a temporary file and renamed over the old one, so a
 * crash leaves either the old or the new state, never half a file; writes that arrive
 * during a write share the next one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fromBase64Url, toBase64Url } from '@twin/chat-protocol';
import type { MlsStateStore } from '../mls/state-store.ts';
import { MemoryChatStore, type StoreSnapshot } from '../store/memory.ts';

/** The file also carries the terminal client's own settings and the MLS records beside the SDK state. */
export interface TerminalState extends StoreSnapshot {
  server?: string;
  handle?: string;
  mls?: Record<string, string>;
}

export class JsonFileChatStore extends MemoryChatStore implements MlsStateStore {
  readonly path: string;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  private constructor(path: string, state: TerminalState) {
    super(state);
    this.path = path;
  }

  static async open(path: string): Promise<JsonFileChatStore> {
    let state: TerminalState = { cursors: {}, outbox: [] };
    try {
      state = { ...state, ...(JSON.parse(await readFile(path, 'utf8')) as TerminalState) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new JsonFileChatStore(path, state);
  }

  get terminal(): TerminalState {
    return this.state as TerminalState;
  }

  async setTerminal(values: Partial<Pick<TerminalState, 'server' | 'handle'>>): Promise<void> {
    Object.assign(this.state, values);
    await this.persist();
  }

  async load(): Promise<Map<string, Uint8Array>> {
    return new Map(Object.entries(this.terminal.mls ?? {}).map(([name, value]) => [name, fromBase64Url(value)]));
  }

  async save(changes: ReadonlyMap<string, Uint8Array | undefined>): Promise<void> {
    const records = (this.terminal.mls ??= {});
    for (const [name, value] of changes) {
      if (value === undefined) delete records[name];
      else records[name] = toBase64Url(value);
    }
    await this.persist();
  }

  protected override async persist(): Promise<void> {
    this.#dirty = true;
    const write = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      // The file holds the device's private key and its MLS secrets: readable by its owner only.
      await writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    });
    // A failed write fails its callers, not every later one.
    this.#writing = write.catch(() => {});
    await write;
  }
}
