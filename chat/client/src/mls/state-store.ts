/**
 * Where a device's MLS state survives a restart: named records (one per group, one per
 * staged commit, one per unused key package) so that a message in one conversation
 * rewrites that conversation's record only, not every group the device is in. Like
 * `ChatStore`, an app brings its own (IndexedDB in a browser, a file in the terminal
 * client); the SDK ships the in-memory one.
 */
export interface MlsStateStore {
  /** Every record as last saved; empty for a device that never saved. */
  load(): Promise<Map<string, Uint8Array>>;
  /**
   * Writes each record and deletes those mapped to `undefined`, all in one step: after a
   * crash either every change is there or none. Resolves once durable.
   */
  save(changes: ReadonlyMap<string, Uint8Array | undefined>): Promise<void>;
}

export class MemoryMlsStateStore implements MlsStateStore {
  readonly records = new Map<string, Uint8Array>();

  async load(): Promise<Map<string, Uint8Array>> {
    return new Map(this.records);
  }

  async save(changes: ReadonlyMap<string, Uint8Array | undefined>): Promise<void> {
    for (const [key, value] of changes) {
      if (value === undefined) this.records.delete(key);
      else this.records.set(key, value.slice());
    }
  }
}
